"""Figures for notebooks and lectures: network diagrams, decision boundaries, pictures and learning curves."""
