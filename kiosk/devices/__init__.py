"""The outside world (printer, mail), each kind behind one small interface chosen by config.

What core asks of a device is declared in ``kiosk.core.ports``; the runtime builds the devices. The
printer's python-escpos set-up (its capabilities cache) happens at the printer's first use, in
``kiosk.devices.escpos_cache``, not at import of this package.
"""
