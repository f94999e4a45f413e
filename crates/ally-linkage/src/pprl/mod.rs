//! PPRL (to come)
