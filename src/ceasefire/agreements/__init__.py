"""Agreement files shipped with ceasefire (TOML; see docs/agreement-format.md)."""
