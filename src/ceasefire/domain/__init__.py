"""The mechanism's domain: agreements, actors, reports, evidence. Pure: no I/O, no frameworks."""
