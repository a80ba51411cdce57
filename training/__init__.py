"""Training: build training sets from a brand's data, fine-tune models, write versioned artifacts.

Never imported by the serving path (api/, webcare/pipeline.py).
"""
