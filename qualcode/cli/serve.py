"""'qualcode users' and 'qualcode serve': the review for a team, in their browsers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from qualcode.cli import render
from qualcode.cli.app import JsonOpt, ProjectOpt, app
from qualcode.errors import QualcodeError


def _served(project: Any) -> Any:
    """The project the server serves ([server] store); the server's modules are imported only
    when a command needs them, so 'qualcode --help' stays quick."""
    from qualcode.serve.site import open_served

    return open_served(project)


users_app = typer.Typer(
    help="Accounts for 'qualcode serve': add (with a one-time invite link), list, deactivate, "
    "reinvite, reactivate, role.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")
LOCAL = ("127.0.0.1", "localhost", "::1")


# where an invite link points when --host/--port override [server] url (users add, reinvite)
LinkHostOpt = Annotated[
    str, typer.Option(help="Host in the invite link (default: [server] url, else host).")
]
LinkPortOpt = Annotated[
    int, typer.Option(help="Port in the invite link (default: [server] port).", show_default=False)
]


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The person's name; decisions are stored under it.")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="coder (blind second coding), reviewer, or lead (also downloads)."
        ),
    ] = "reviewer",
    sample: Annotated[
        float,
        typer.Option(
            help="A coder's blind sample: this share of each interview's participant turns "
            "(1 = all)."
        ),
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed that draws a coder's sample.")] = 0,
    overlap_with: Annotated[
        str,
        typer.Option(
            "--overlap-with",
            help="A coder's sample only among the turns this other coder has coded, so that the "
            "two codings overlap by design (for agreement).",
        ),
    ] = "",
    host: LinkHostOpt = "",
    port: LinkPortOpt = 0,
    project: ProjectOpt = None,
) -> None:
    """Add a user and print their one-time invite link (they choose their password there).

    Only a hash of the link's token is stored; the link works once, within 7 days (a login
    lasts 7 days too). A coder codes blind: with
    --sample 0.2 they get a fifth of each interview's participant turns (drawn with --seed, the
    same however much they have coded) and never see suggestions or others' codes."""
    from qualcode.serve.accounts import add_user

    proj = _served(project)
    token = add_user(proj, name, role, sample, seed, overlap_with, via="cli")
    server = proj.settings.server
    proj.close()
    link = invite_link(server, host, port, token)
    kind = f"{role}, {sample:.0%} sample" if sample < 1 else role
    kind += f" of {overlap_with}'s turns" if overlap_with else ""
    render.out.print(f"Added {name} ({kind}). Send them this link (it works once, within 7 days):")
    render.out.print(link, soft_wrap=True)


def invite_link(server: Any, host: str, port: int, token: str) -> str:
    """The invite link: at [server] url (the public address), or at --host/--port."""
    from dataclasses import replace

    from qualcode.serve.network import public_url

    if host or port:
        server = replace(server, url="", host=host or server.host, port=port or server.port)
    return f"{public_url(server)}/invite/{token}"


@users_app.command("list")
def users_list(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Every user, their role, whether they have set a password and are active, and whether
    failed logins hold their name back now (qualcode users unlock NAME)."""
    from qualcode.serve.logins import locked

    proj = _served(project)
    users = proj.store.users()
    held = locked(proj)
    proj.close()
    for u in users:
        u["locked"] = held.get(u["name"], 0)  # failed logins from the worst address; 0: none
    if as_json:
        render.print_json(users)
        return
    rows = [
        [u["name"], u["role"],
         (f"{u['sample']:.0%}" + (f" of {u['overlap']}'s" if u["overlap"] else ""))
         if u["role"] == "coder" else "",
         "yes" if u["has_password"] else "invited",
         ("active" if u["active"] else "deactivated")
         + (f", locked ({u['locked']} failed logins)" if u["locked"] else "")]
        for u in users
    ]  # fmt: skip
    headers = ["name", "role", "sample", "password", "state"]
    render.out.print(render.table("Users", headers, rows, set()))


@users_app.command("deactivate")
def users_deactivate(
    name: Annotated[str, typer.Argument(help="The user to deactivate.")],
    project: ProjectOpt = None,
) -> None:
    """Deactivate a user: they are logged out at once and cannot log in; their decisions stay."""
    proj = _served(project)
    done = proj.store.deactivate(name, via="cli")  # audited with the change
    proj.close()
    if not done:
        raise QualcodeError(f"no user '{name}'", "see 'qualcode users list'")
    render.out.print(f"Deactivated {name}.")


@app.command("serve")
def serve(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on (default: [server] host, this machine only)."),
    ] = "",
    port: Annotated[
        int, typer.Option(help="Port (default: [server] port, 8765).", show_default=False)
    ] = 0,
    url: Annotated[
        str,
        typer.Option(
            help="The address people open, e.g. https://qual.example.org (default: [server] "
            "url): invite links start with it; requests naming another host are refused."
        ),
    ] = "",
    certfile: Annotated[
        str, typer.Option(help="A PEM certificate (chain): serve HTTPS directly.")
    ] = "",
    keyfile: Annotated[str, typer.Option(help="The certificate's private key (PEM).")] = "",
    proxy: Annotated[
        list[str] | None,
        typer.Option(
            help="An address (or network) of a reverse proxy whose X-Forwarded-Proto and "
            "X-Forwarded-For are believed; repeat for more (default: [server] trusted_proxies, "
            "this machine)."
        ),
    ] = None,
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            help="Serve plain HTTP off this machine on purpose (a trusted network): cookies "
            "that work over http, and a warning on every page.",
        ),
    ] = False,
    project: ProjectOpt = None,
) -> None:
    """Serve the project's review to a team's browsers (Ctrl+C stops it).

    Add people first with 'qualcode users add NAME --role coder|reviewer|lead': each opens their
    one-time link and chooses a password. Reviewers work the queue with the review app's keys
    (j/k move, a accept, r reject, c change, x reject the rest, + add, * key quote, m memo, ?
    definition, u undo, n next); two reviewers are never handed the same segment, and what one
    decides shows on the other's page. Coders code blind on their sample and are refused every
    page that shows suggestions or others' codes. Reviewers and leads see quotes, memos and
    agreement; leads reconcile side by side, download reports and manage users. Each form post
    is stored at once under the logged-in user as one action, which u undoes whole (only one's
    own); logins and users added or deactivated are in 'qualcode log'.

    Listens on this machine only unless --host says otherwise. Off this machine it serves HTTPS
    (--certfile and --keyfile), or sits behind an HTTPS proxy (--proxy), or is told
    --allow-http; it refuses to start on plain HTTP otherwise. Cookies are Secure whenever the
    browser's address is https. [server] in qualcode.toml sets all of these and the store
    served."""
    from qualcode.serve.learning import model_order
    from qualcode.serve.network import plan
    from qualcode.serve.run import run

    proj = _served(project)
    root, server, store = proj.root, proj.settings.server, proj.store_path
    how = plan(server, root, host, port, url, certfile, keyfile, proxy, allow_http)
    try:
        model_order(proj)  # worked out now (a second or two), not in the first reviewer's page
    except QualcodeError as exc:  # e.g. a codebook mistake: the pages will say so
        render.warn(str(exc))
    proj.close()
    if how.network.allow_http and how.host not in LOCAL:
        render.warn(
            f"plain HTTP on {how.host} (--allow-http): passwords cross the network in clear; "
            "use it only on a trusted network"
        )
    render.out.print(
        f"Serving {root.name} ({store.name}) on {how.scheme}://{how.host}:{how.port}/, "
        f"open at {how.network.url}/ (Ctrl+C stops it)."
    )
    run(root, how, server.max_connections)
