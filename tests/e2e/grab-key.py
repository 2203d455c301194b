#!/usr/bin/python3
"""Holds a global key grab, as another program's shortcut would: `grab-key.py F10` grabs Ctrl+F10
on the X display in $DISPLAY, prints "ready", and keeps it until killed."""
import signal
import sys

from Xlib import X, XK, display

d = display.Display()
root = d.screen().root
keycode = d.keysym_to_keycode(XK.string_to_keysym(sys.argv[1]))
# With and without NumLock (Mod2) and CapsLock (Lock): the grab holds in every lock state.
for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
    root.grab_key(keycode, X.ControlMask | extra, True, X.GrabModeAsync, X.GrabModeAsync)
d.sync()
print("ready", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    d.next_event()
