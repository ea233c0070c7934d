"""The figures an admin watches, gathered in one place: the component checks, songs,
accounts, bytes stored, import failures, music folders and jobs whose last run failed."""

from __future__ import annotations

from dataclasses import dataclass

from tonearm.health import ComponentHealth, SystemHealth
from tonearm.jobs import JobService, JobState
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.stats import LibraryStats, StoredBytes
from tonearm.users import UserService


@dataclass(frozen=True, slots=True)
class AccountCounts:
    """How many accounts there are."""

    total: int
    active: int
    admins: int


@dataclass(frozen=True, slots=True)
class ServerOverview:
    """Everything the admin health screen shows."""

    components: dict[str, ComponentHealth]
    songs: int
    accounts: AccountCounts
    storage: StoredBytes
    import_failures: int
    music_folders: int
    failed_jobs: list[str]

    @property
    def healthy(self) -> bool:
        """Whether every component answered."""
        return all(component.ok for component in self.components.values())


class ServerStatus:
    """Builds the admin overview from the domains that own each figure."""

    def __init__(
        self,
        health: SystemHealth,
        users: UserService,
        stats: LibraryStats,
        jobs: JobService,
        folders: MusicFolderService,
    ) -> None:
        self._health = health
        self._users = users
        self._stats = stats
        self._jobs = jobs
        self._folders = folders

    async def overview(self) -> ServerOverview:
        """Every figure, read now."""
        users = await self._users.list_users()
        _, failures = await self._stats.import_failures(1, 0)
        return ServerOverview(
            components=await self._health.components(),
            songs=await self._stats.live_songs(),
            accounts=AccountCounts(
                total=len(users),
                active=sum(1 for user in users if user.active),
                admins=sum(1 for user in users if user.is_admin),
            ),
            storage=await self._stats.stored_bytes(),
            import_failures=failures,
            music_folders=len(await self._folders.list_folders()),
            failed_jobs=sorted(
                job.definition.name
                for job in await self._jobs.statuses()
                if job.last_run is not None and job.last_run.state is JobState.FAILED
            ),
        )


__all__ = ["AccountCounts", "ServerOverview", "ServerStatus"]
