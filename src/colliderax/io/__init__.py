"""File formats: SLHA parameter cards, MG5-style reference JSON (and later LHE, Parquet, TrackML)."""
