#!/usr/bin/python3
"""xwin.py wait|close DISPLAY [TIMEOUT]: watch or close the xfreerdp window.

wait:  wait (at most TIMEOUT s, default 10) until xfreerdp has mapped its window on DISPLAY. FreeRDP
       creates it in post_connect, i.e. once the RDP connection sequence has finished: the session is
       active. Exit 0 when it appeared, 1 on timeout.
close: like wait, then send the window the ICCCM WM_DELETE_WINDOW client message (what clicking the
       close button does), which makes FreeRDP disconnect cleanly.
mouse: like wait, then move the pointer in circles over the xfreerdp window every 0.05 s for TIMEOUT
       s (a user moving the mouse: a steady stream of client input PDUs).
noise: (on the server's display) map a 200x150 window and paint it with random pixels, TIMEOUT
       times, 0.2 s apart: poorly compressible screen updates, i.e. full-size TCP segments from the
       RDP server (about 60 KB on the wire per paint).
"""
import math
import os
import sys
import time

from Xlib import X, display, protocol

PALETTE = bytes(i & 0xC0 for i in range(256))


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


def noise(d, paints):
    screen = d.screen()
    w, h = 200, 150
    win = screen.root.create_window(50, 50, w, h, 0, screen.root_depth, X.InputOutput,
                                    X.CopyFromParent, background_pixel=screen.black_pixel)
    win.map()
    gc = win.create_gc()
    d.sync()
    for _ in range(int(paints)):
        # 32 bits per pixel, 50 rows per request (keeps each request under the X request size).
        # 64 colours only: full 24-bit noise crashes xrdp 0.9.21 ("malloc(): invalid size").
        for y in range(0, h, 50):
            win.put_image(gc, 0, y, w, 50, X.ZPixmap, 24, 0,
                          os.urandom(w * 50 * 4).translate(PALETTE))
        d.sync()
        time.sleep(0.2)
    win.destroy()
    d.sync()
    return 0


def main():
    mode, name = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    if mode == "noise":
        return noise(display.Display(name), timeout)
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
    if mode == "mouse":
        geo = win.get_geometry()
        cx, cy, r = geo.width // 2, geo.height // 2, min(geo.width, geo.height) // 4
        end, step = time.monotonic() + timeout, 0
        while time.monotonic() < end:
            try:
                win.get_geometry()  # a round trip: stop quietly once the window is gone
            except Exception:
                break
            a = step * 0.3
            win.warp_pointer(int(cx + r * math.cos(a)), int(cy + r * math.sin(a)))
            d.flush()
            step += 1
            time.sleep(0.05)
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
