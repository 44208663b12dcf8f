"""The domain in plain Python. Nothing under kiosk.core may import kivy (a test enforces it)."""
