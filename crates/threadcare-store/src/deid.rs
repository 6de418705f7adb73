//! De-identification (being written).
