"""System and user methods: ping, getLicense, getOpenSubsonicExtensions, getUser, tokenInfo."""

from __future__ import annotations

from tonearm.analysis.similarity import SonicSimilarity
from tonearm.api.subsonic.call import SubsonicCall
from tonearm.api.subsonic.render import Payload
from tonearm.errors import BadCredentials, InvalidInput, PermissionDenied
from tonearm.users import AuthService, User, UserService
from tonearm.users.subsonic import decode_password

# What really works, with the versions of each extension's specification implemented.
# Add an extension here only together with its endpoints and tests.
OPEN_SUBSONIC_EXTENSIONS: dict[str, list[int]] = {
    "apiKeyAuthentication": [1],
    "formPost": [1],
    "playbackReport": [1],
    "songLyrics": [1],
    "transcodeOffset": [1],
    "transcoding": [1],
    "indexBasedQueue": [1],
}


async def ping(call: SubsonicCall) -> Payload:
    """An empty success: the credentials work."""
    return {}


async def get_license(call: SubsonicCall) -> Payload:
    """tonearm needs no licence; apps that check get a valid one."""
    return {"license": {"valid": True}}


async def get_open_subsonic_extensions(call: SubsonicCall, sonic: SonicSimilarity) -> Payload:
    """The OpenSubsonic extensions this server implements (sonicSimilarity only where the
    similarity index can be built)."""
    extensions = dict(OPEN_SUBSONIC_EXTENSIONS)
    if sonic.available:
        extensions["sonicSimilarity"] = [1]
    return {
        "openSubsonicExtensions": [
            {"name": name, "versions": versions} for name, versions in extensions.items()
        ]
    }


def user_payload(user: User) -> Payload:
    """A Subsonic `user`: roles follow tonearm's (admins manage, podcasts included;
    everyone listens)."""
    admin = user.is_admin
    return {
        "username": user.username,
        "scrobblingEnabled": True,
        "adminRole": admin,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": admin,
        "playlistRole": True,
        "coverArtRole": admin,
        "commentRole": False,
        "podcastRole": admin,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": True,
        "videoConversionRole": False,
        "folder": [1],
    }


async def get_user(call: SubsonicCall, users: UserService) -> Payload:
    """A user's roles: your own, or anyone's for an admin."""
    username = call.params.require("username")
    if username.strip().lower() == call.user.username:
        return {"user": user_payload(call.user)}
    if not call.user.is_admin:
        raise PermissionDenied("only an admin may look at another user")
    return {"user": user_payload(await users.get_user(username))}


async def get_users(call: SubsonicCall, users: UserService) -> Payload:
    """Every user (admins only)."""
    if not call.user.is_admin:
        raise PermissionDenied("only an admin may list users")
    return {"users": {"user": [user_payload(user) for user in await users.list_users()]}}


async def change_password(call: SubsonicCall, users: UserService, auth: AuthService) -> Payload:
    """Set a password: your own, or anyone's for an admin. `password` may be `enc:` + hex.
    That user's other sessions end (refresh tokens, browser sessions), as after a change on
    the web; Subsonic apps signing in with the new password keep working."""
    username = call.params.require("username")
    try:
        password = decode_password(call.params.require("password"))
    except BadCredentials:
        raise InvalidInput("password=enc: must be followed by hex-encoded UTF-8") from None
    if username.strip().lower() != call.user.username and not call.user.is_admin:
        raise PermissionDenied("only an admin may change another user's password")
    await users.set_password(username, password)
    await auth.sign_out_everywhere((await users.get_user(username)).id)
    return {}


async def token_info(call: SubsonicCall) -> Payload:
    """Whose API key this is (OpenSubsonic apiKeyAuthentication)."""
    return {"tokenInfo": {"username": call.user.username}}


__all__ = [
    "OPEN_SUBSONIC_EXTENSIONS",
    "change_password",
    "get_license",
    "get_open_subsonic_extensions",
    "get_user",
    "get_users",
    "ping",
    "token_info",
    "user_payload",
]
