"""``webcare train ...``: retrain a brand's models from its own data (imports training lazily)."""

from __future__ import annotations

import typer

train_app = typer.Typer(help="Train a brand's models from its knowledge base; each run writes a versioned artifact.", no_args_is_help=True)
