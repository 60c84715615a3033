"""File formats: SLHA parameter cards, the MG5 reference-point JSON layout, LHE and Parquet
event files (:mod:`colliderax.io.lhe`, :mod:`colliderax.io.events_parquet`), atomic writes."""
