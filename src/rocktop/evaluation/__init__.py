"""Objective voice metrics, evaluation runner and reports."""
