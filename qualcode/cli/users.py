"""'qualcode users reinvite|reactivate|role': a lead's care of accounts after 'users add'.

Each change is stored with its audit entry, in one transaction; the last active lead is never
deactivated or given another role."""

from __future__ import annotations

from typing import Annotated

import typer

from qualcode.cli import render
from qualcode.cli.app import ProjectOpt
from qualcode.cli.serve import LinkHostOpt, LinkPortOpt, _served, users_app


@users_app.command("reinvite")
def users_reinvite(
    name: Annotated[str, typer.Argument(help="The user who needs a new link.")],
    host: LinkHostOpt = "",
    port: LinkPortOpt = 0,
    project: ProjectOpt = None,
) -> None:
    """Print a new one-time invite link for a user who forgot their password.

    Their password is cleared and they are logged out at once; their older links stop working.
    Through the new link (once, within 7 days) they choose a new password. Their decisions
    stay theirs."""
    from qualcode.serve.accounts import reinvite

    proj = _served(project)
    try:
        token = reinvite(proj, name, via="cli")
        server = proj.settings.server
    finally:
        proj.close()
    from qualcode.cli.serve import invite_link

    render.out.print(f"New invite for {name}; their password is cleared. Send them this link:")
    render.out.print(invite_link(server, host, port, token), soft_wrap=True)


@users_app.command("reactivate")
def users_reactivate(
    name: Annotated[str, typer.Argument(help="The deactivated user.")],
    project: ProjectOpt = None,
) -> None:
    """Let a deactivated user log in again, with the password they had (or 'users reinvite')."""
    proj = _served(project)
    try:
        proj.store.reactivate(name, via="cli")  # audited with the change
    finally:
        proj.close()
    render.out.print(f"Reactivated {name}.")


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="coder (blind second coding), reviewer, or lead.")],
    sample: Annotated[
        float,
        typer.Option(help="A coder's blind sample: this share of each interview's turns (1: all)."),
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed that draws a coder's sample.")] = 0,
    overlap_with: Annotated[
        str,
        typer.Option("--overlap-with", help="A coder's sample among this coder's turns only."),
    ] = "",
    project: ProjectOpt = None,
) -> None:
    """Give a user another role; it holds from their next page. The last active lead stays a
    lead (make another one first). A reviewer made a coder has seen suggestions: their coding
    is no longer blind."""
    from qualcode.serve.accounts import set_role

    proj = _served(project)
    try:
        set_role(proj, name, role, sample, seed, overlap_with, via="cli")
    finally:
        proj.close()
    kind = f"{role}, {sample:.0%} sample" if sample < 1 else role
    render.out.print(f"{name} is now a {kind}.")
