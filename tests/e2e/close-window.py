#!/usr/bin/python3
"""Asks an X window to close, as a window manager's close button does (WM_DELETE_WINDOW):
`close-window.py WINDOW_ID`."""
import sys

from Xlib import X, display, protocol

d = display.Display()
window = d.create_resource_object("window", int(sys.argv[1]))
protocols = d.intern_atom("WM_PROTOCOLS")
delete = d.intern_atom("WM_DELETE_WINDOW")
message = protocol.event.ClientMessage(
    window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
)
window.send_event(message, event_mask=X.NoEventMask)
d.flush()
