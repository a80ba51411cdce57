"""Per-brand runtime state (profile, KB, index, retriever) loaded lazily and kept strictly per brand."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from models.embedder import Embedder, SentenceTransformerEmbedder
from models.escalation_rules import EscalationRules
from models.flag_classifier import ClassifierArtifactError, FlagClassifier, FlagScorer
from models.pii import PiiDetector
from models.vocabulary import Vocabulary
from retrieval.documents import Passage, article_passages, brand_passages, canned_passage
from retrieval.indexer import build_store, index_path, kb_hash
from retrieval.kb_loader import BrandKB, UnknownBrandError, list_brands, load_brand
from retrieval.kb_schema import Article, CannedAnswer
from retrieval.retriever import HybridRetriever
from retrieval.store import IndexMismatchError, IndexNotFoundError, PassageStore
from webcare.artifacts import latest
from webcare.coherence import brand_vocabulary
from webcare.settings import Settings
from webcare.storage import KBEdit, Storage

log = logging.getLogger(__name__)

EMBEDDER_ARTIFACT_PREFIX = "artifact:"


def brand_embedder(settings: Settings, brand: str) -> tuple[str, Path | None]:
    """(name recorded in the brand's index, model folder) of the embedder that serves ``brand``:
    the brand's latest fine-tuned ``embedder`` artifact if any, else ``settings.embedder_model``
    (folder None). A fine-tuned embedder is named ``artifact:<brand>/embedder/<version>``."""
    path = latest(settings.artifacts_dir, brand, "embedder")
    if path is None:
        return settings.embedder_model, None
    return f"{EMBEDDER_ARTIFACT_PREFIX}{brand}/embedder/{path.name}", path / "model"


@dataclass
class BrandRuntime:
    kb: BrandKB
    retriever: HybridRetriever
    pii: PiiDetector
    index_file: Path
    lock: threading.RLock = field(default_factory=threading.RLock)
    # sarcasm / sentiment / escalation: detectors always, trained classifier when an artifact exists
    flags: FlagScorer | None = None
    _vocabulary: Vocabulary | None = field(default=None, repr=False)

    @property
    def brand(self) -> str:
        return self.kb.brand

    @property
    def vocabulary(self) -> Vocabulary:
        """The words a draft for this brand may use (lexicons + this KB's words), built on first use."""
        with self.lock:
            if self._vocabulary is None:
                self._vocabulary = brand_vocabulary(self.kb)
            return self._vocabulary

    @property
    def store(self) -> PassageStore:
        return self.retriever.store


def apply_edits(kb: BrandKB, edits: list[KBEdit]) -> BrandKB:
    """The KB as the files have it, with the edits made through the API replayed over it."""
    articles = {a.id: a for a in kb.articles}
    canned = {c.id: c for c in kb.canned}
    for edit in edits:
        target: dict = articles if edit.kind == "article" else canned
        model = Article if edit.kind == "article" else CannedAnswer
        if edit.action == "delete":
            target.pop(edit.item_id, None)
        elif edit.payload is not None:
            target[edit.item_id] = model.model_validate(edit.payload)
    return BrandKB(kb.root, kb.profile, list(articles.values()), list(canned.values()), kb.past_answers, kb.labelled)


class BrandRegistry:
    """Loads each brand on first use; a brand's objects are never shared with another brand."""

    def __init__(
        self,
        settings: Settings,
        embedder_factory: Callable[[], Embedder],
        storage: Storage,
        artifact_embedder_factory: Callable[[str, Path], Embedder] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder_factory = embedder_factory
        self._embedder: Embedder | None = None
        # fine-tuned embedders, one per brand, never shared: (label, model folder) -> Embedder
        self._artifact_embedder_factory = artifact_embedder_factory or (
            lambda label, folder: SentenceTransformerEmbedder(
                str(folder), device=settings.embedder_device, batch_size=settings.embedder_batch_size, label=label
            )
        )
        self._brand_embedders: dict[str, Embedder] = {}
        self.storage = storage
        self._runtimes: dict[str, BrandRuntime] = {}
        self._lock = threading.RLock()

    @property
    def embedder(self) -> Embedder:
        """The base (not fine-tuned) embedder of ``settings.embedder_model``."""
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    def embedder_for(self, brand: str) -> Embedder:
        """The embedder that serves ``brand``: its latest fine-tuned artifact, else the base embedder."""
        label, folder = brand_embedder(self.settings, brand)
        if folder is None:
            return self.embedder
        with self._lock:
            current = self._brand_embedders.get(brand)
            if current is None or current.name != label:
                current = self._artifact_embedder_factory(label, folder)
                self._brand_embedders[brand] = current
            return current

    def brands(self) -> list[str]:
        return list_brands(self.settings.kb_dir)

    def get(self, brand: str, *, progress: bool = False) -> BrandRuntime:
        """The brand's runtime; raises UnknownBrandError for a brand without a KB folder."""
        runtime = self._runtimes.get(brand)
        if runtime is not None:
            return runtime
        with self._lock:
            if brand not in self._runtimes:
                self._runtimes[brand] = self._load(brand, progress=progress)
            return self._runtimes[brand]

    def loaded(self) -> list[str]:
        return sorted(self._runtimes)

    def current_kb(self, brand: str) -> BrandKB:
        return apply_edits(load_brand(self.settings.kb_dir, brand), self.storage.kb_edits(brand))

    def passages_for(self, kb: BrandKB) -> list[Passage]:
        return brand_passages(kb, chunk_words=self.settings.chunk_words, overlap=self.settings.chunk_overlap_words)

    def rebuild(self, brand: str, *, progress: bool = False) -> PassageStore:
        """Build the brand's index from scratch and save it atomically."""
        kb = self.current_kb(brand)
        s = self.settings
        store = build_store(
            kb,
            self.embedder_for(brand),
            passages=self.passages_for(kb),
            ann_threshold=s.ann_threshold,
            nprobe=s.ivf_nprobe,
            progress=progress,
        )
        store.save(index_path(s.index_dir, brand))
        with self._lock:
            self._runtimes.pop(brand, None)
        return store

    def _load(self, brand: str, *, progress: bool) -> BrandRuntime:
        if brand not in self.brands():
            raise UnknownBrandError(f"unknown brand {brand!r}")
        kb = self.current_kb(brand)
        path = index_path(self.settings.index_dir, brand)
        embedder = self.embedder_for(brand)
        try:
            store = PassageStore.load(path, expected_embedder=embedder.name, nprobe=self.settings.ivf_nprobe)
        except IndexNotFoundError:
            log.info("no index for brand %s yet; building it", brand)
            self.rebuild(brand, progress=progress)
            store = PassageStore.load(path, expected_embedder=embedder.name, nprobe=self.settings.ivf_nprobe)
        if store.meta.dimension != embedder.dimension:
            raise IndexMismatchError(
                f"index {path} has dimension {store.meta.dimension}, the embedder gives {embedder.dimension}; "
                f"rebuild it with: webcare index --brand {brand}"
            )
        s = self.settings
        retriever = HybridRetriever(
            store, embedder, alpha=s.hybrid_alpha, k1=s.bm25_k1, b=s.bm25_b, saturation=s.bm25_saturation
        )
        pii = PiiDetector(kb.profile.pii_patterns)
        runtime = BrandRuntime(kb, retriever, pii, path, flags=self.load_flags(brand, kb, pii))
        self._sync(runtime)
        return runtime

    def load_flags(self, brand: str, kb: BrandKB, pii: PiiDetector) -> FlagScorer:
        """Detectors for the brand, plus its latest ``classifiers`` artifact when there is a usable one."""
        rules = EscalationRules(pii, privacy_exempt_types=kb.profile.flags.privacy_exempt_types)
        classifier = None
        path = latest(self.settings.artifacts_dir, brand, "classifiers")
        if path is not None:
            try:
                # trained on the brand's serving embedder (query vector reused) or on the base one
                usable = {self.settings.embedder_model, brand_embedder(self.settings, brand)[0]}
                classifier = FlagClassifier.load(path, expected_embedder=sorted(usable))
            except (ClassifierArtifactError, OSError, ValueError) as exc:
                log.warning("brand %s: classifiers artifact not used (%s); escalation from detectors only", brand, exc)
        return FlagScorer(rules, classifier, sarcasm_threshold=kb.profile.flags.sarcasm_threshold)

    def reload_flags(self, brand: str) -> None:
        """Pick up a newly trained classifiers artifact for a loaded brand."""
        runtime = self._runtimes.get(brand)
        if runtime is not None:
            runtime.flags = self.load_flags(brand, runtime.kb, runtime.pii)

    def _sync(self, runtime: BrandRuntime) -> None:
        """Bring the index in line with the KB (files + API edits): embed only what changed."""
        wanted = {p.id: p for p in self.passages_for(runtime.kb)}
        store = runtime.store
        stale = [pid for pid in (p.id for p in store.passages()) if pid not in wanted]
        changed = [p for pid, p in wanted.items() if (old := store.get(pid)) is None or old != p]
        if not stale and not changed:
            return
        log.info("brand %s: syncing index (%d changed, %d removed)", runtime.brand, len(changed), len(stale))
        with runtime.lock:
            runtime.retriever.remove(stale)
            if changed:
                runtime.retriever.upsert(changed)
            store.meta = store.meta.model_copy(update={"kb_hash": kb_hash(list(wanted.values()))})
            store.save(runtime.index_file)

    # knowledge-base edits (API) -----------------------------------------------------------------
    def upsert_item(self, brand: str, item: Article | CannedAnswer) -> bool:
        """Add or replace an article / canned answer; the index follows at once. Returns True if new."""
        runtime = self.get(brand)
        kind = "article" if isinstance(item, Article) else "canned"
        with runtime.lock:
            collection = runtime.kb.articles if kind == "article" else runtime.kb.canned
            created = all(x.id != item.id for x in collection)
            self.storage.record_kb_edit(brand, kind, item.id, "upsert", item.model_dump(mode="json", by_alias=True))
            collection[:] = [x for x in collection if x.id != item.id] + [item]
            s = self.settings
            new = (
                article_passages(item, chunk_words=s.chunk_words, overlap=s.chunk_overlap_words)
                if isinstance(item, Article)
                else [canned_passage(item)]
            )
            old_ids = [pid for pid in runtime.store.ids_for_item(kind, item.id) if pid not in {p.id for p in new}]
            runtime.retriever.remove(old_ids)
            runtime.retriever.upsert(new)
            runtime.store.save(runtime.index_file)
        return created

    def delete_item(self, brand: str, kind: str, item_id: str) -> bool:
        runtime = self.get(brand)
        with runtime.lock:
            collection = runtime.kb.articles if kind == "article" else runtime.kb.canned
            if all(x.id != item_id for x in collection):
                return False
            self.storage.record_kb_edit(brand, kind, item_id, "delete", None)
            collection[:] = [x for x in collection if x.id != item_id]
            runtime.retriever.remove(runtime.store.ids_for_item(kind, item_id))
            runtime.store.save(runtime.index_file)
        return True
