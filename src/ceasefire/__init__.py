"""ceasefire: ceasefire monitoring, verification and enforcement on a signed Merkle log."""
