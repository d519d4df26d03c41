"""Certificates beyond floating point: exact rationals and arb balls at instances, z3 for all values."""
