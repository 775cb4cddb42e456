"""The desk's KB page for editors: candidates from shoppers, the article editor, preview, publish and rollback.

Every write goes through kb_index.feedback.KBSources: the files the CLI reads, validated
as ``python -m kb_index build`` validates them. A rejected edit is shown again with the
editor's text and every problem, so nothing typed is lost.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy.exc
from aiohttp import web
from sqlalchemy import insert, select

from desk import kb_learning
from desk.agents import Agent
from desk.auth import current_agent
from desk.context import desk_of
from desk.db import kb_publications
from desk.kb_editor import KBEditor
from desk.views.render import render
from kb_index.articles import KBValidationError
from kb_index.feedback import ArticleEdit
from kb_index.server import relative_to_kb
from kb_index.traffic import kb_turns

log = logging.getLogger(__name__)
MAX_PREVIEW_CHARS = 500
MAX_PROPOSED = 30  # questions a proposed article may bring along
CLUSTER_DAYS = 30  # unanswered questions of this many days are grouped into proposed articles
NOTICES = {
    "approved": "Added to the article. The next publish includes it.",
    "rejected": "The candidate is gone.",
    "saved": "Saved. Publish to make it live.",
    "published": "Published: the bot answers from the new version within seconds.",
    "rolled_back": "Rolled back: the bot answers from the previous version again. The articles keep your edits.",
    "nothing_to_roll_back": "There is no earlier published version to go back to.",
    "gone": "That candidate was already handled by someone else.",
    "questions_added": "Questions added to the article. Publish to make them live.",
}
CLOSEST = 5  # articles the live index proposes for a cluster's questions


def can_edit_kb(agent: Agent) -> bool:
    """Who may change the KB: any signed-in agent for now; the one place to point at an editor role."""
    return agent is not None


def _editor(request: web.Request) -> KBEditor:
    agent = current_agent(request)
    if not can_edit_kb(agent):
        raise web.HTTPForbidden(text="Only KB editors may change the knowledge base.")
    editor = desk_of(request).kb_editor()
    if editor is None:
        raise web.HTTPNotFound(text="No knowledge base is configured (assistant.yml has no kb: section).")
    return editor


def _problems(editor: KBEditor, error: KBValidationError) -> list[str]:
    return [relative_to_kb(str(problem), editor.settings.source_paths) for problem in error.problems]


async def candidates_page(request: web.Request) -> web.Response:
    return await _candidates(request, _editor(request), [], 200)


async def _candidates(request: web.Request, editor: KBEditor, problems: list[str], status: int) -> web.Response:
    desk = desk_of(request)
    articles = await asyncio.to_thread(editor.articles)
    candidates = await kb_learning.pending_candidates(desk.engine, articles)
    clusters, clusters_problem = [], None
    try:
        since = (desk.clock() - timedelta(days=CLUSTER_DAYS)).timestamp()
        turns = await asyncio.to_thread(kb_turns, desk.settings.tracker_store, since)
        known = {q.casefold() for a in articles for q in a.questions}
        dismissed = await kb_learning.dismissed_clusters(desk.engine)
        clusters = [c for c in kb_learning.unanswered_clusters(turns, known) if c["key"] not in dismissed]
    except FileNotFoundError:
        pass  # no conversations yet
    except sqlalchemy.exc.SQLAlchemyError as error:
        log.error("KB candidates: tracker store unreadable (%s)", type(error).__name__)
        clusters_problem = "The conversation store could not be read; unanswered questions are not shown."
    titles = {(a.id, a.lang): a.title for a in articles}
    choices: dict[str, list[tuple[str, str]]] = {}
    for article in sorted(articles, key=lambda a: a.id):
        choices.setdefault(article.lang, []).append((article.id, article.title))
    return await render(
        request, "kb_candidates.html", status=status, agent=current_agent(request), candidates=candidates, titles=titles,
        choices=choices, notice=NOTICES.get(request.query.get("notice", "")), problems=problems, clusters=clusters,
        clusters_problem=clusters_problem, cluster_days=CLUSTER_DAYS,
    )


async def reject_cluster(request: web.Request) -> web.Response:
    _editor(request)
    desk = desk_of(request)
    await kb_learning.dismiss_cluster(desk.engine, request.match_info["key"], desk.clock())
    raise web.HTTPSeeOther("/kb/candidates?notice=rejected")


async def approve_candidate(request: web.Request) -> web.Response:
    editor = _editor(request)
    desk = desk_of(request)
    candidate = await kb_learning.get_candidate(desk.engine, int(request.match_info["candidate_id"]))
    if candidate is None:
        raise web.HTTPSeeOther("/kb/candidates?notice=gone")
    form = await request.post()
    article_id = str(form.get("article_id") or candidate["article_id"])
    try:
        await asyncio.to_thread(editor.add_question, article_id, candidate["lang"], candidate["question"])
    except KBValidationError as error:
        return await _candidates(request, editor, _problems(editor, error), 422)
    await kb_learning.remove_candidate(desk.engine, candidate["id"])
    log.info("KB candidate %s approved for %s (%s)", candidate["id"], article_id, candidate["lang"])
    raise web.HTTPSeeOther("/kb/candidates?notice=approved")


async def reject_candidate(request: web.Request) -> web.Response:
    _editor(request)
    await kb_learning.remove_candidate(desk_of(request).engine, int(request.match_info["candidate_id"]))
    raise web.HTTPSeeOther("/kb/candidates?notice=rejected")


async def articles_page(request: web.Request) -> web.Response:
    editor = _editor(request)
    problems: list[str] = []
    try:
        grouped = await asyncio.to_thread(editor.by_language)
    except KBValidationError as error:  # a file broken outside the desk: say where, edit nothing blindly
        grouped, problems = {}, _problems(editor, error)
    question = request.query.get("q", "").strip()[:MAX_PREVIEW_CHARS]
    lang = request.query.get("lang", "en")
    preview = None
    if question and not problems:
        try:
            preview = await asyncio.to_thread(editor.preview, question, lang)
        except KBValidationError as error:
            problems = _problems(editor, error)
        except FileNotFoundError:
            problems = ["No index has been built yet: publish first."]
    return await render(
        request, "kb_articles.html", agent=current_agent(request), grouped=grouped, problems=problems, question=question,
        lang=lang, preview=preview, live=editor.live_version(), previous=await _previous_version(request, editor),
        notice=NOTICES.get(request.query.get("notice", "")),
    )


def _edit_from_form(form: Any, article_id: str | None = None, lang: str | None = None) -> ArticleEdit:
    questions = tuple(" ".join(line.split()) for line in str(form.get("questions", "")).splitlines() if line.strip())
    return ArticleEdit(
        id=(article_id or str(form.get("id", ""))).strip(),
        lang=(lang or str(form.get("lang", ""))).strip(),
        title=str(form.get("title", "")).strip(),
        url=str(form.get("url", "")).strip(),
        questions=questions,
        answer=str(form.get("answer", "")).replace("\r\n", "\n").strip(),
        summary=" ".join(str(form.get("summary", "")).split()),
    )


async def article_page(request: web.Request) -> web.Response:
    editor = _editor(request)
    lang, article_id = request.match_info["lang"], request.match_info["article_id"]
    article = await asyncio.to_thread(editor.sources.find, article_id, lang)
    if article is None:
        raise web.HTTPNotFound(text=f"No article {article_id!r} in {lang!r}.")
    edit = ArticleEdit(article.id, article.lang, article.title, article.url, article.questions, article.answer, article.summary)
    return await render(
        request, "kb_article.html", agent=current_agent(request), edit=edit, new=False, problems=[],
        notice=NOTICES.get(request.query.get("notice", "")),
    )


async def new_article_page(request: web.Request) -> web.Response:
    """A new article; from a cluster of unanswered questions, with those questions filled in."""
    _editor(request)
    proposed = tuple(q.strip()[:MAX_PREVIEW_CHARS] for q in request.query.getall("question", [])[:MAX_PROPOSED] if q.strip())
    edit = ArticleEdit("", request.query.get("lang", "en")[:2], "", "", proposed, "")
    return await render(request, "kb_article.html", agent=current_agent(request), edit=edit, new=True, problems=[])


async def save_article(request: web.Request) -> web.Response:
    editor = _editor(request)
    new = "article_id" not in request.match_info
    form = await request.post()
    edit = _edit_from_form(form, request.match_info.get("article_id"), request.match_info.get("lang"))
    try:
        await asyncio.to_thread(editor.save, edit, new=new)
    except KBValidationError as error:
        return await render(
            request, "kb_article.html", status=422, agent=current_agent(request), edit=edit, new=new,
            problems=_problems(editor, error),
        )
    log.info("KB article %s (%s) saved by agent %s", edit.id, edit.lang, current_agent(request).id)
    raise web.HTTPSeeOther(f"/kb/articles/{edit.lang}/{edit.id}?notice=saved")


def _proposed_questions(values: list[str]) -> tuple[str, ...]:
    """The questions a link or form brings along: trimmed, one line each, at most MAX_PROPOSED."""
    cleaned = (" ".join(q.split())[:MAX_PREVIEW_CHARS] for q in values[:MAX_PROPOSED])
    return tuple(dict.fromkeys(q for q in cleaned if q))


async def add_questions_page(request: web.Request) -> web.Response:
    """Questions (a cluster from the analytics page) ready to add to an existing article.

    The article the live index finds closest to the first (most asked) is chosen already; ``search`` ranks the
    language's articles by other words, and every article of the language can be picked.
    """
    editor = _editor(request)
    lang = request.query.get("lang", "en").strip()[:2]
    questions = _proposed_questions(request.query.getall("question", []))
    return await _add_questions(request, editor, lang, questions, request.query.get("article"), [], 200)


async def _add_questions(
    request: web.Request, editor: KBEditor, lang: str, questions: tuple[str, ...], chosen: str | None,
    problems: list[str], status: int,
) -> web.Response:
    desk = desk_of(request)
    articles = sorted((a for a in await asyncio.to_thread(editor.articles) if a.lang == lang), key=lambda a: a.title)
    search = " ".join(request.query.get("search", "").split())[:MAX_PREVIEW_CHARS]
    closest: list[dict[str, str]] = []
    found: list[dict[str, str]] = []
    try:
        if questions:
            # The first question is the cluster's most asked one: what the article must answer above all.
            closest = await asyncio.to_thread(desk.kb_articles.search, questions[0], lang, CLOSEST)
        if search:
            found = await asyncio.to_thread(desk.kb_articles.search, search, lang, CLOSEST)
    except FileNotFoundError:
        problems = [*problems, "No index has been published yet: every article is listed, none proposed."]
    ids = {a.id for a in articles}
    if chosen not in ids:
        chosen = next((hit["id"] for hit in [*found, *closest] if hit["id"] in ids), None)
    if not articles:
        problems = [*problems, f"There is no article in language {lang!r} to add questions to."]
    return await render(
        request, "kb_add_questions.html", status=status, agent=current_agent(request), lang=lang, questions=questions,
        articles=articles, chosen=chosen, closest=closest, search=search, found=found, problems=problems,
    )


async def add_questions(request: web.Request) -> web.Response:
    """Add the ticked questions to the chosen article: the same validated write as approving a candidate."""
    editor = _editor(request)
    form = await request.post()
    lang = str(form.get("lang", "")).strip()[:2]
    article_id = str(form.get("article_id", "")).strip()
    offered = _proposed_questions([str(q) for q in form.getall("offered", [])])
    ticked = _proposed_questions([str(q) for q in form.getall("question", [])])
    if not ticked or not article_id:
        missing = "Tick at least one question." if not ticked else "Choose the article to add them to."
        return await _add_questions(request, editor, lang, offered or ticked, article_id, [missing], 422)
    try:
        await asyncio.to_thread(editor.add_questions, article_id, lang, list(ticked))
    except KBValidationError as error:
        return await _add_questions(request, editor, lang, offered or ticked, article_id, _problems(editor, error), 422)
    log.info("%d question(s) added to KB article %s (%s) by agent %s", len(ticked), article_id, lang,
             current_agent(request).id)
    raise web.HTTPSeeOther(f"/kb/articles/{lang}/{article_id}?notice=questions_added")


async def publish(request: web.Request) -> web.Response:
    editor = _editor(request)
    desk = desk_of(request)
    labels = await kb_learning.confirmed_labels(desk.engine)
    try:
        version, previous = await asyncio.to_thread(editor.publish, labels)
    except KBValidationError as error:
        return await _articles_with_problems(request, editor, _problems(editor, error))
    await _record_publication(request, version, previous, "publish")
    raise web.HTTPSeeOther("/kb/articles?notice=published")


async def rollback(request: web.Request) -> web.Response:
    editor = _editor(request)
    previous = await _previous_version(request, editor)
    if previous is None:
        raise web.HTTPSeeOther("/kb/articles?notice=nothing_to_roll_back")
    live = editor.live_version()
    await asyncio.to_thread(editor.rollback_to, previous)
    await _record_publication(request, previous, live, "rollback")
    raise web.HTTPSeeOther("/kb/articles?notice=rolled_back")


async def _articles_with_problems(request: web.Request, editor: KBEditor, problems: list[str]) -> web.Response:
    return await render(
        request, "kb_articles.html", status=422, agent=current_agent(request), grouped={}, problems=problems, question="",
        lang="en", preview=None, live=editor.live_version(), previous=await _previous_version(request, editor), notice=None,
    )


async def _previous_version(request: web.Request, editor: KBEditor) -> str | None:
    """The version that was live before the live one: from the desk's publications, else the store's order."""
    live = editor.live_version()
    kept = set(editor.versions())
    async with desk_of(request).engine.connect() as connection:
        rows = (await connection.execute(select(kb_publications).order_by(kb_publications.c.id.desc()).limit(1))).mappings()
        last = rows.first()
    if last is not None and last["version"] == live:
        return last["previous_version"] if last["previous_version"] in kept else None
    older = [v for v in editor.versions() if live is not None and v < live]
    return older[-1] if older else None


async def _record_publication(request: web.Request, version: str, previous: str | None, action: str) -> None:
    desk = desk_of(request)
    async with desk.engine.begin() as connection:
        await connection.execute(
            insert(kb_publications).values(
                version=version, previous_version=previous, agent_id=current_agent(request).id, action=action,
                created_at=desk.clock(),
            )
        )
    log.info("KB %s: version %s live (was %s)", action, version, previous)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/kb/candidates", candidates_page)
    app.router.add_post("/kb/candidates/{candidate_id:\\d+}/approve", approve_candidate)
    app.router.add_post("/kb/candidates/{candidate_id:\\d+}/reject", reject_candidate)
    app.router.add_post("/kb/clusters/{key:[0-9a-f]{32}}/reject", reject_cluster)
    app.router.add_get("/kb/articles", articles_page)
    app.router.add_get("/kb/articles/new", new_article_page)
    app.router.add_get("/kb/articles/add-questions", add_questions_page)
    app.router.add_post("/kb/articles/add-questions", add_questions)
    app.router.add_post("/kb/articles/new", save_article)
    app.router.add_get("/kb/articles/{lang}/{article_id}", article_page)
    app.router.add_post("/kb/articles/{lang}/{article_id}", save_article)
    app.router.add_post("/kb/publish", publish)
    app.router.add_post("/kb/rollback", rollback)
