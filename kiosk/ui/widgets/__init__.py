"""Widgets shared by the screens; their look is in the .kv file beside each module."""
