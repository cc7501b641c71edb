#!/usr/bin/python3
"""xwin.py wait|close DISPLAY [TIMEOUT]: watch or close the xfreerdp window.

wait:  wait (at most TIMEOUT s, default 10) until xfreerdp has mapped its window on DISPLAY. FreeRDP
       creates it in post_connect, i.e. once the RDP connection sequence has finished: the session is
       active. Exit 0 when it appeared, 1 on timeout.
close: like wait, then send the window the ICCCM WM_DELETE_WINDOW client message (what clicking the
       close button does), which makes FreeRDP disconnect cleanly.
"""
import sys
import time

from Xlib import X, display, protocol


def find(win):
    try:
        cls = win.get_wm_class()
    except Exception:
        cls = None
    if cls and any("freerdp" in c.lower() for c in cls):
        return win
    try:
        children = win.query_tree().children
    except Exception:
        return None
    for child in children:
        hit = find(child)
        if hit is not None:
            return hit
    return None


def main():
    mode, name = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    deadline = time.monotonic() + timeout
    d = display.Display(name)
    while True:
        win = find(d.screen().root)
        if win is not None:
            break
        if time.monotonic() > deadline:
            print("xwin: no xfreerdp window on", name, file=sys.stderr)
            return 1
        time.sleep(0.1)
    if mode == "close":
        wm_protocols = d.intern_atom("WM_PROTOCOLS")
        wm_delete = d.intern_atom("WM_DELETE_WINDOW")
        ev = protocol.event.ClientMessage(window=win, client_type=wm_protocols,
                                          data=(32, [wm_delete, X.CurrentTime, 0, 0, 0]))
        win.send_event(ev, event_mask=X.NoEventMask)
        d.flush()
    d.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
