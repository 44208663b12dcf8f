"""The outside world (printer, mail), each kind behind one small interface chosen by config."""
