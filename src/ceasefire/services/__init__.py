"""Use cases of the mechanism, written against the ports in :mod:`ceasefire.services.ports`.

Services take the time (``now``) and their collaborators as arguments; they never open files,
databases or clocks themselves. The CLI (and later the API) are thin callers of these.
"""
