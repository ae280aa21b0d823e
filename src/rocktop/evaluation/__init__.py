"""Objective evaluation of voices and checkpoints: metrics, runner, reports, comparison.

``metrics/`` holds one module per metric (each docstring gives the exact definition);
``runner.evaluate_pairs`` scores clips and aggregates them with 95% confidence intervals;
``compare.compare`` ranks several voices or checkpoints scored on the same clips;
``report`` writes the JSON and the self-contained HTML report; ``tracking`` logs to MLflow.
"""
