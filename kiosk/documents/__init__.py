"""Documents laid out for people — the staff reports' PDF — above the core that computes their content.

Layer: imported by commands/ (and later ui/ or web/), imports core; core never imports it. reportlab is
imported inside the functions that draw, so a command that draws nothing does not pay for it.
"""
