"""Tests of the Europe Direct staff console (console/)."""
