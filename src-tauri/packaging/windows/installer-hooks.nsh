; The per-user (NSIS) installer's options, for a silent install by a script or a fleet tool:
;
;   Bellhop_x64-setup.exe /S /SERVER_URL=https://help.example.com /ENROLMENT_KEY=...
;                         [/HOTKEY=Ctrl+F12] [/LOW_MEMORY=1] [/LANGUAGE=it]
;
; A per-user install runs without the right to write the policies key, so it locks nothing:
; once the files are in place it runs the app with --install-settings, which keeps each option
; given as the person's own setting (crates/agent/src/install_settings.rs), under whatever the
; organisation manages. The MSI is the per-machine, locked way (managed-settings.wxs). A value
; cannot contain a double quote. Wired in by tauri.conf.json (bundle.windows.nsis).

!include "FileFunc.nsh"

!macro NSIS_HOOK_POSTINSTALL
  ${GetParameters} $R0
  ; GetOptions leaves the register empty when an option is not given.
  ${GetOptions} $R0 "/SERVER_URL=" $R1
  ${GetOptions} $R0 "/ENROLMENT_KEY=" $R2
  ${GetOptions} $R0 "/HOTKEY=" $R3
  ${GetOptions} $R0 "/LOW_MEMORY=" $R4
  ${GetOptions} $R0 "/LANGUAGE=" $R5
  ClearErrors
  ExecWait '"$INSTDIR\bellhop-desktop.exe" --install-settings --server-url "$R1" --enrolment-key "$R2" --hotkey "$R3" --low-memory "$R4" --language "$R5"' $R9
  ${If} ${Errors}
  ${OrIf} $R9 != 0
    DetailPrint "Bellhop did not take the installer's settings (exit code $R9)"
    SetErrorLevel 2
  ${EndIf}
!macroend
