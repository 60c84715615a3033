"""The event generator: model, processes, amplitudes (and, later, phase space and integration)."""
