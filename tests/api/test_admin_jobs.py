"""GET /api/admin/jobs and POST /api/admin/jobs/{name}/run: admins only."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def sign_in(client: httpx.AsyncClient, services: Runtime, name: str, role: Role) -> dict:
    await services.domains.users.add_user(name, PASSWORD, role)
    response = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_admin_lists_jobs_with_schedule_last_and_next_run(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    headers = await sign_in(client, services, "root", Role.ADMIN)
    queued = await client.post(
        "/api/admin/jobs/library.tiering/run", json={"payload": {"dry_run": True}}, headers=headers
    )
    assert queued.status_code == 202, queued.text
    run_id = uuid.UUID(queued.json()["id"])
    assert queued.json()["state"] == "queued"
    await services.domains.jobs.execute(run_id, "test", services.domains)

    response = await client.get("/api/admin/jobs", headers=headers)

    assert response.status_code == 200
    jobs = {job["name"]: job for job in response.json()}
    assert {"library.popularity", "library.tiering", "library.cleanup", "jobs.prune"} <= set(jobs)
    tiering = jobs["library.tiering"]
    assert tiering["schedule"] == "0 2 * * 0"
    assert tiering["next_run"] is not None
    assert tiering["last_run"]["id"] == str(run_id)
    assert tiering["last_run"]["state"] == "succeeded"
    assert tiering["last_run"]["result"]["dry_run"] is True
    assert tiering["last_run"]["duration_seconds"] is not None
    assert jobs["library.rerender"]["schedule"] is None


async def test_users_get_403_and_unknown_jobs_404(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    user = await sign_in(client, services, "alice", Role.USER)
    admin = await sign_in(client, services, "root", Role.ADMIN)

    assert (await client.get("/api/admin/jobs", headers=user)).status_code == 403
    assert (await client.post("/api/admin/jobs/jobs.prune/run", headers=user)).status_code == 403
    assert (await client.get("/api/admin/jobs")).status_code == 401
    assert (await client.post("/api/admin/jobs/nope/run", headers=admin)).status_code == 404
    assert await services.domains.jobs.recent() == []


async def test_jobs_that_need_arguments_are_not_runnable_and_refuse_a_bare_run(
    client: httpx.AsyncClient, services: Runtime
) -> None:
    admin = await sign_in(client, services, "root", Role.ADMIN)

    jobs = {job["name"]: job for job in (await client.get("/api/admin/jobs", headers=admin)).json()}

    assert jobs["library.import_file"]["runnable"] is False
    assert jobs["library.import_upload"]["runnable"] is False
    assert jobs["library.rerender"]["runnable"] is False
    assert jobs["library.scan"]["runnable"] is True
    assert jobs["library.tiering"]["runnable"] is True
    bare = await client.post(
        "/api/admin/jobs/library.import_file/run", json={"payload": {}}, headers=admin
    )
    assert bare.status_code == 400, bare.text
    assert "path" in bare.text
    assert await services.domains.jobs.recent("library.import_file") == []
