"""Building blocks the lesson experiments share: data sets, model builders, evaluation.

Lessons read like nanoGPT: a flat `run(cfg)` generator that uses these helpers
for the boring parts and spells out the part the lesson is about.
"""
