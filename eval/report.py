"""The HTML report of an eval run: one self-contained file (inline PNG plots, inline CSS)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from jinja2 import Environment, select_autoescape  # noqa: E402

from eval.runner import MODES  # noqa: E402

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>webcare eval: {{ r.brand }}</title>
<style>
 body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;color:#1d2330;padding:0 16px}
 h1{margin-bottom:4px} .sub{color:#667;margin-top:0}
 .cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:18px 0}
 .card{border:1px solid #dde2ea;border-radius:10px;padding:12px 14px;background:#f8fafc}
 .card .v{font-size:28px;font-weight:650} .card .l{color:#556;font-size:13px} .card .n{color:#889;font-size:12px}
 .grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px} img{max-width:100%}
 table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0 18px} th,td{border-bottom:1px solid #e4e7ec;padding:6px 8px;text-align:left;vertical-align:top}
 th{background:#f1f4f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
 .case{border:1px solid #dde2ea;border-radius:10px;padding:10px 14px;margin:12px 0}
 .case .k{color:#667;font-size:12px;text-transform:uppercase;letter-spacing:.04em;margin-top:6px}
 .case .t{white-space:pre-wrap} .bad{color:#b42318} .ok{color:#067647} .muted{color:#889}
</style></head><body>
<h1>Evaluation: {{ r.brand }}</h1>
<p class="sub">set <b>{{ r.set.name }}</b> ({{ r.set['items'] }} answered messages, {{ r.set.labelled_items }} labelled for flags) ·
 seed {{ r.set.seed }}{% if r.set.limit %} · limit {{ r.set.limit }}{% endif %} · {{ r.created_at }} · embedder {{ r.versions.embedder }} ·
 index: {{ r.index.passages }} passages, {{ r.index.past_answers_excluded }} held-out past answers excluded</p>

<div class="cards">
 <div class="card"><div class="v">{{ pct(ret.hybrid['recall@5']) }}</div><div class="l">retrieval recall@5 (hybrid)</div><div class="n">recall@1 {{ pct(ret.hybrid['recall@1']) }} · MRR {{ num(ret.hybrid.mrr) }} · n={{ ret.n }}</div></div>
 <div class="card"><div class="v">{{ num(base.chrf, 1) if base else '–' }}</div><div class="l">chrF++ of the drafts vs. the agents' replies</div><div class="n">BLEU {{ num(base.bleu, 1) if base else '–' }} · cosine {{ num(base.embedding_cosine) if base else '–' }}{% if gen %} · generator chrF++ {{ num(gen.chrf, 1) }}{% endif %}</div></div>
 <div class="card"><div class="v">{{ pct(base.grounded_rate) if base else '–' }}</div><div class="l">grounded drafts (no invented facts)</div><div class="n">Dutch {{ pct(base.dutch_rate) if base else '–' }} · tone violations {{ pct(base.tone_violation_rate) if base else '–' }}</div></div>
 <div class="card"><div class="v">{% if auto.threshold is not none %}{{ pct(auto.coverage) }}{% else %}–{% endif %}</div><div class="l">auto-answer coverage at precision ≥ {{ auto.target_precision }}</div><div class="n">{% if auto.threshold is not none %}bar {{ num(auto.threshold) }} · precision {{ pct(auto.precision) }} (95% lower bound {{ pct(auto.precision_lower95) }}){% else %}no score reaches the target: every message is handed off{% endif %}</div></div>
</div>
<p class="muted">Latency per message: p50 {{ num(lat.total.p50, 0) }} ms, p95 {{ num(lat.total.p95, 0) }} ms (all stages).
 {% if not gen %}{{ r.generation.generator_note }}.{% endif %}
 {% if r.generation.generator_gate %}Generator artifact {{ r.generation.generator_gate.artifact }}: {% if r.generation.generator_gate.served %}served to agents (passes the quality gate){% else %}<b>not served to agents</b>: {{ r.generation.generator_gate.reason }}{% endif %}.{% endif %}</p>

<h2>Auto-answer and retrieval</h2>
<div class="grid2">
 <div><img alt="precision vs coverage" src="data:image/png;base64,{{ plots.curve }}"></div>
 <div><img alt="retrieval comparison" src="data:image/png;base64,{{ plots.retrieval }}"></div>
</div>
<table><tr><th>retrieval mode</th><th>recall@1</th><th>recall@5</th><th>MRR</th></tr>
{% for m in modes %}<tr><td>{{ m }}</td><td class="num">{{ pct(ret[m]['recall@1']) }}</td><td class="num">{{ pct(ret[m]['recall@5']) }}</td><td class="num">{{ num(ret[m].mrr) }}</td></tr>{% endfor %}
</table>
<p class="muted">Relevant: {{ ret.relevant }}. Auto-answer is correct when {{ auto.correct_if }}; {{ auto.eligible }} of {{ auto['items'] }} messages pass the flag checks; a bar needs ≥ {{ auto.min_answered }} answered messages.{% if auto.by_source and auto.by_source.chatbot_questions['items'] %} The curve pools {{ auto.by_source.reference_items['items'] }} reference items and {{ auto.by_source.chatbot_questions['items'] }} chatbot questions (a gold article or none); at the bar they give {{ auto.by_source.reference_items.correct_at_bar }}/{{ auto.by_source.reference_items.answered_at_bar }} and {{ auto.by_source.chatbot_questions.correct_at_bar }}/{{ auto.by_source.chatbot_questions.answered_at_bar }} right answers.{% endif %}</p>
{% if auto.top_wrong %}<h3>Wrong automatic answers with the highest scores</h3>
<p class="muted">These decide where the bar can go: every one above the bar is an answer the chatbot would have sent.</p>
<table><tr><th>message</th><th>source</th><th>score</th><th>answered with</th><th>right article</th><th>above the bar</th></tr>
{% for w in auto.top_wrong %}<tr><td>{{ w.message }}</td><td>{{ w.source | replace('_', ' ') }}</td><td class="num">{{ num(w.score) }}</td><td>{{ w.answered_article or '–' }}</td><td>{{ w.gold_article or 'none: no article answers it' }}</td><td>{{ 'yes' if w.above_bar else 'no' }}</td></tr>{% endfor %}
</table>{% endif %}

<h2>Drafts</h2>
<table><tr><th>configuration</th><th>n</th><th>chrF++</th><th title="chrF++ with precision and recall weighed alike (beta 1): standard chrF++ (beta 2) favours longer drafts">chrF++ β=1</th><th title="characters per character of the agents' replies">length</th><th>BLEU</th><th>cosine</th><th>Dutch</th><th>grounded</th><th>tone violations</th>{% for rule in rules %}<th>{{ rule }}</th>{% endfor %}</tr>
{% for name, g in [('retrieval baseline', base), ('generator', gen)] %}{% if g %}<tr><td>{{ name }}</td><td class="num">{{ g.n }}</td><td class="num">{{ num(g.chrf, 1) }}</td><td class="num">{{ num(g.chrf_balanced, 1) if g.chrf_balanced is defined else '–' }}</td><td class="num">{{ num(g.length_ratio, 2) if g.length_ratio is defined else '–' }}</td><td class="num">{{ num(g.bleu, 1) }}</td><td class="num">{{ num(g.embedding_cosine) }}</td><td class="num">{{ pct(g.dutch_rate) }}</td><td class="num">{{ pct(g.grounded_rate) }}</td><td class="num">{{ pct(g.tone_violation_rate) }}</td>{% for rule in rules %}<td class="num">{{ g.tone_violations[rule] }}</td>{% endfor %}</tr>{% else %}<tr><td>{{ name }}</td><td colspan="{{ 9 + rules|length }}" class="muted">not measured: {{ r.generation.generator_note }}</td></tr>{% endif %}{% endfor %}
</table>

<h2>Flags</h2>
<table><tr><th>flag</th><th>n</th><th>precision</th><th>recall</th><th>F1</th><th></th></tr>
{% for name in ['sarcasm', 'escalation', 'sentiment'] %}{% set f = r.flags[name] %}<tr><td>{{ name }}</td>
{% if f.available %}{% if name == 'sentiment' %}<td class="num">{{ f.n }}</td><td colspan="3">macro-F1 {{ num(f.macro_f1) }}</td>{% else %}<td class="num">{{ f.n }}</td><td class="num">{{ num(f.precision) }}</td><td class="num">{{ num(f.recall) }}</td><td class="num">{{ num(f.f1) }}</td>{% endif %}<td></td>
{% else %}<td colspan="5" class="muted">unavailable: {{ f.why }}</td>{% endif %}</tr>{% endfor %}
</table>
{% set vs = r.flags.sarcasm.vs_plain_negative %}{% if vs %}<h3>Sarcasm against plain complaints</h3>
<table><tr><th></th><th>flagged sarcastic</th><th>not flagged</th></tr>
<tr><td>sarcastic</td><td class="num">{{ vs.sarcastic_flagged }}</td><td class="num">{{ vs.sarcastic_missed }}</td></tr>
<tr><td>plain negative (not sarcastic)</td><td class="num">{{ vs.plain_negative_flagged }}</td><td class="num">{{ vs.plain_negative_clear }}</td></tr>
<tr><td>neutral / positive</td><td class="num">{{ vs.non_negative_flagged }}</td><td class="muted">–</td></tr>
</table>{% endif %}
{% if r.flags.escalation.by_reason %}<h3>Escalation by reason</h3>
<p class="muted">recall: labelled messages of that reason that raise an escalation; named: that also name the reason;
precision: messages the pipeline names the reason for that are labelled with it.</p>
<table><tr><th>reason</th><th>labelled</th><th>recall</th><th>named</th><th>predicted</th><th>precision</th></tr>
{% for reason, x in r.flags.escalation.by_reason.items() %}<tr><td>{{ reason }}</td><td class="num">{{ x.labelled }}</td><td class="num">{{ pct(x.recall) }}</td><td class="num">{{ pct(x.named) }}</td><td class="num">{{ x.predicted }}</td><td class="num">{{ pct(x.precision) }}</td></tr>{% endfor %}
</table>{% endif %}
{% if plots.confusion %}<img alt="confusion matrices" src="data:image/png;base64,{{ plots.confusion }}">{% endif %}

<h2>Latency per pipeline stage</h2>
<div class="grid2"><div><img alt="latency histogram" src="data:image/png;base64,{{ plots.latency }}"></div>
<div><table><tr><th>stage</th><th>n</th><th>p50 ms</th><th>p95 ms</th><th>max ms</th></tr>
{% for stage, s in lat.items() %}<tr><td>{{ stage }}</td><td class="num">{{ s.n }}</td><td class="num">{{ num(s.p50, 1) }}</td><td class="num">{{ num(s.p95, 1) }}</td><td class="num">{{ num(s.max, 1) }}</td></tr>{% endfor %}
</table></div></div>

<h2>Worst cases (lowest chrF++)</h2>
{% for c in r.worst_cases %}<div class="case">
 <b>{{ c.id }}</b> · {{ c.channel }} · chrF++ {{ num(c.chrf, 1) }} · cosine {{ num(c.cosine) }} ·
 gold article <code>{{ c.gold_article }}</code> · best answer's article <code class="{{ 'ok' if c.gold_article and c.top_article == c.gold_article else 'bad' }}">{{ c.top_article }}</code>
 {% if c.invented %}· <span class="bad">invented: {{ c.invented|join(', ') }}</span>{% endif %}{% if c.violations %} · <span class="bad">tone: {{ c.violations|join(', ') }}</span>{% endif %}
 <div class="k">message</div><div class="t">{{ c.message }}</div>
 <div class="k">draft</div><div class="t">{{ c.draft }}</div>
 <div class="k">reference (the agent's reply)</div><div class="t">{{ c.reference }}</div>
 <div class="k">sources</div><div>{% for s in c.sources %}<code>{{ s.id }}</code> ({{ s.kind }}, {{ num(s.score) }}{% if s.article_id %}, article {{ s.article_id }}{% endif %}){% if not loop.last %} · {% endif %}{% endfor %}</div>
</div>{% endfor %}
</body></html>
"""


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _curve_plot(auto: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    curve = auto["curve"]
    if curve:
        ax.plot([p["coverage"] for p in curve], [p["precision"] for p in curve], marker=".", lw=1.5, color="#2563eb")
    ax.axhline(auto["target_precision"], ls="--", color="#b42318", lw=1, label=f"target {auto['target_precision']}")
    if auto["threshold"] is not None:
        ax.scatter([auto["coverage"]], [auto["precision"]], s=80, color="#b42318", zorder=5, label=f"bar {auto['threshold']:.3f}")
    ax.set_xlabel("coverage (share answered automatically)")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Auto-answer: precision vs coverage")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return _png(fig)


def _retrieval_plot(ret: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    metrics = ["recall@1", "recall@5", "mrr"]
    width = 0.26
    colors = {"dense": "#7c3aed", "bm25": "#f59e0b", "hybrid": "#2563eb"}
    for n, mode in enumerate(MODES):
        values = [ret[mode][m] or 0.0 for m in metrics]
        bars = ax.bar([x + (n - 1) * width for x in range(len(metrics))], values, width, label=mode, color=colors[mode])
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(metrics)), metrics)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Retrieval: dense vs BM25 vs hybrid (n={ret['n']})")
    ax.legend(loc="upper left", ncols=3, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _latency_plot(timings: dict[str, list[float]]) -> str:
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    stages = [s for s in ("analyse", "retrieve", "classify", "generate", "guard", "total") if timings.get(s)]
    stages += [s for s in timings if s not in stages and s != "load" and timings[s]]
    upper = max((max(timings[s]) for s in stages), default=1.0) or 1.0
    bins = [upper * i / 40 for i in range(41)]
    for stage in stages:
        if max(timings[stage]) > 0.5:  # stages that take no time would only add a spike at 0
            ax.hist(timings[stage], bins=bins, histtype="step", lw=1.5, label=stage)
    ax.set_xlabel("ms per message")
    ax.set_ylabel("messages")
    ax.set_title("Latency per stage")
    ax.legend(fontsize=8)
    return _png(fig)


def _confusion_plot(flags: dict[str, Any]) -> str | None:
    available = [(name, f) for name, f in flags.items() if isinstance(f, dict) and f.get("available")]
    if not available:
        return None
    fig, axes = plt.subplots(1, len(available), figsize=(3.6 * len(available), 3.3), squeeze=False)
    for ax, (name, f) in zip(axes[0], available, strict=True):
        matrix = f["confusion"]
        labels = [str(label) for label in f["labels"]]
        ax.imshow(matrix, cmap="Blues")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                ax.text(j, i, str(value), ha="center", va="center", fontsize=10)
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("labelled")
        ax.set_title(name)
    fig.tight_layout()
    return _png(fig)


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def render_report(result: dict[str, Any], timings: dict[str, list[float]]) -> str:
    from webcare.guard import GUARD_RULES as RULES

    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(num=_num, pct=_pct)
    plots = {
        "curve": _curve_plot(result["auto_answer"]),
        "retrieval": _retrieval_plot(result["retrieval"]),
        "latency": _latency_plot(timings),
        "confusion": _confusion_plot(result["flags"]),
    }
    return env.from_string(TEMPLATE).render(
        r=result,
        ret=result["retrieval"],
        base=result["generation"].get("retrieval_baseline"),
        gen=result["generation"].get("generator"),
        auto=result["auto_answer"],
        lat=result["latency_ms"],
        plots=plots,
        modes=MODES,
        rules=RULES,
    )


def write_report(result: dict[str, Any], timings: dict[str, list[float]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result, timings), encoding="utf-8")
    return path
