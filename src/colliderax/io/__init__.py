"""File formats: SLHA parameter cards and the MG5 reference-point JSON layout."""
