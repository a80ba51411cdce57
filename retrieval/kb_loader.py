"""Load and validate a brand's knowledge base; every problem names the file, the line and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from retrieval.kb_schema import Article, BrandProfile, CannedAnswer, LabelledMessage, PastAnswer
from webcare.jsonl import Utf8Error, decode_utf8, json_lines

M = TypeVar("M", bound=BaseModel)

MAX_REPORTED_PROBLEMS = 50


@dataclass(frozen=True)
class KBProblem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class KBValidationError(ValueError):
    """The knowledge base has one or more problems; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[KBProblem]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(str(p) for p in self.problems[:MAX_REPORTED_PROBLEMS])
        more = len(self.problems) - MAX_REPORTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"knowledge base has {len(self.problems)} problem(s):\n  {shown}{tail}")


class UnknownBrandError(LookupError):
    """No folder for this brand in the knowledge base directory."""


@dataclass
class BrandKB:
    """Everything a brand owns in its knowledge-base folder, validated."""

    root: Path
    profile: BrandProfile
    articles: list[Article]
    canned: list[CannedAnswer]
    past_answers: list[PastAnswer]
    labelled: list[LabelledMessage] = field(default_factory=list)

    @property
    def brand(self) -> str:
        return self.profile.id

    def article(self, article_id: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id), None)


def list_brands(kb_dir: Path) -> list[str]:
    """Brand ids: the sub-folders of ``kb_dir`` that hold a brand.yaml."""
    if not kb_dir.is_dir():
        return []
    return sorted(p.name for p in kb_dir.iterdir() if (p / "brand.yaml").is_file())


def load_brand(kb_dir: Path, brand: str, *, with_labelled: bool = True) -> BrandKB:
    """Load and validate ``kb_dir/brand``; raise KBValidationError listing every problem found."""
    root = kb_dir / brand
    if not (root / "brand.yaml").is_file():
        known = ", ".join(list_brands(kb_dir)) or "none"
        raise UnknownBrandError(f"unknown brand {brand!r}: no {root / 'brand.yaml'} (known brands: {known})")
    problems: list[KBProblem] = []

    profiles = _load_yaml_models(root / "brand.yaml", BrandProfile, problems, as_list=False)
    articles = _load_yaml_models(root / "faq.yaml", Article, problems, as_list=True)
    canned = _load_yaml_models(root / "canned.yaml", CannedAnswer, problems, as_list=True)
    past = _load_jsonl_models(root / "past_answers.jsonl", PastAnswer, problems)
    labelled: list[tuple[int, LabelledMessage]] = []
    if with_labelled and (root / "labelled.jsonl").exists():
        labelled = _load_jsonl_models(root / "labelled.jsonl", LabelledMessage, problems)

    if profiles:
        profile = profiles[0][1]
        if profile.id != brand:
            problems.append(KBProblem(root / "brand.yaml", profiles[0][0], f"id {profile.id!r} must equal the folder name {brand!r}"))
        initials = {a.initials for a in profile.agents}
        for line, item in past:
            if item.agent and item.agent not in initials:
                problems.append(
                    KBProblem(root / "past_answers.jsonl", line, f"agent {item.agent!r} is not in brand.yaml agents {sorted(initials)}")
                )
    article_ids = {a.id for _, a in articles}
    _check_unique(root / "faq.yaml", articles, problems)
    _check_unique(root / "canned.yaml", canned, problems)
    _check_unique(root / "past_answers.jsonl", past, problems)
    _check_unique(root / "labelled.jsonl", labelled, problems)
    for path, items in ((root / "canned.yaml", canned), (root / "past_answers.jsonl", past)):
        for line, item in items:
            ref = getattr(item, "article_id", None)
            if ref and ref not in article_ids:
                problems.append(KBProblem(path, line, f"article_id {ref!r} does not exist in faq.yaml"))
    if problems:
        raise KBValidationError(problems)
    return BrandKB(
        root=root,
        profile=profiles[0][1],
        articles=[a for _, a in articles],
        canned=[c for _, c in canned],
        past_answers=[p for _, p in past],
        labelled=[m for _, m in labelled],
    )


def _read_text(path: Path, problems: list[KBProblem]) -> str | None:
    if not path.is_file():
        problems.append(KBProblem(path, None, "file is missing"))
        return None
    try:
        return decode_utf8(path.read_bytes(), path)
    except Utf8Error as exc:
        problems.append(KBProblem(path, exc.line, exc.detail))
        return None


def _load_yaml_models(path: Path, model: type[M], problems: list[KBProblem], *, as_list: bool) -> list[tuple[int, M]]:
    text = _read_text(path, problems)
    if text is None:
        return []
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(KBProblem(path, line, f"invalid YAML: {getattr(exc, 'problem', None) or exc}"))
        return []
    if as_list:
        if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
            problems.append(KBProblem(path, 1, "expected a YAML list of items (each starting with '- id: ...')"))
            return []
        pairs: Iterable[tuple[Any, yaml.Node]] = zip(data, node.value, strict=True)
    else:
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            problems.append(KBProblem(path, 1, "expected a YAML mapping (key: value lines)"))
            return []
        pairs = [(data, node)]
    out: list[tuple[int, M]] = []
    for index, (item, item_node) in enumerate(pairs):
        try:
            out.append((item_node.start_mark.line + 1, model.model_validate(item)))
        except ValidationError as exc:
            for err in exc.errors():
                line = _yaml_line(item_node, err["loc"])
                prefix = f"item {index + 1}: " if as_list else ""
                problems.append(KBProblem(path, line, prefix + _describe(err)))
    return out


def _load_jsonl_models(path: Path, model: type[M], problems: list[KBProblem]) -> list[tuple[int, M]]:
    text = _read_text(path, problems)
    if text is None:
        return []
    out: list[tuple[int, M]] = []
    for line in json_lines(text):
        if line.error is not None:
            problems.append(KBProblem(path, line.number, line.error))
            continue
        try:
            out.append((line.number, model.model_validate(line.data)))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(KBProblem(path, line.number, _describe(err)))
    return out


def _describe(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(item)"
    return f"{loc}: {err['msg']}"


def _yaml_line(node: yaml.Node, loc: Sequence[Any]) -> int:
    """Line of the deepest YAML node that ``loc`` (a pydantic error location) reaches."""
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            match = next((v for k, v in current.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            match = current.value[part]
        else:
            match = None
        if match is None:
            break
        current = match
    return current.start_mark.line + 1


def _check_unique(path: Path, items: Sequence[tuple[int, BaseModel]], problems: list[KBProblem]) -> None:
    seen: dict[str, int] = {}
    for line, item in items:
        item_id = getattr(item, "id")
        if item_id in seen:
            problems.append(KBProblem(path, line, f"duplicate id {item_id!r} (first on line {seen[item_id]})"))
        else:
            seen[item_id] = line
