"""file-drop.js: the files of a drop, dropped folders walked in full."""

from __future__ import annotations

from .conftest import JsRunner

# Fake FileSystemEntry objects, as webkitGetAsEntry gives them: a directory's reader answers
# in batches (Chromium: 100 at a time) and then an empty batch.
FAKE_ENTRIES = """
const file = (fullPath) => ({ isFile: true, isDirectory: false, fullPath,
    file: (ok) => setTimeout(() => ok(new File(["x"], fullPath.split("/").pop()))) });
const dir = (fullPath, children, batch = 2) => ({ isFile: false, isDirectory: true, fullPath,
    createReader() {
        let at = 0;
        return { readEntries(ok) {
            const next = children.slice(at, at + batch);
            at += batch;
            setTimeout(() => ok(next));
        } };
    } });
"""


def test_a_dropped_folder_is_walked_through_every_batch(pure_js: JsRunner) -> None:
    body = (
        FAKE_ENTRIES
        + """
        const album = dir("/Music/Album", [file("/Music/Album/01 A.flac"),
            file("/Music/Album/02 B.flac"), file("/Music/Album/.DS_Store"),
            file("/Music/Album/03 C.flac"), file("/Music/Album/04 D.flac")]);
        const root = dir("/Music", [album, file("/Music/cover.jpg")]);
        const found = await m.filesFromEntries([root, file("/loose.mp3")]);
        return found.map(({ file, path }) => [path, file.name]);
        """
    )
    assert pure_js("file-drop.js", body) == [
        ["Music/Album/01 A.flac", "01 A.flac"],
        ["Music/Album/02 B.flac", "02 B.flac"],
        ["Music/Album/03 C.flac", "03 C.flac"],
        ["Music/Album/04 D.flac", "04 D.flac"],
        ["Music/cover.jpg", "cover.jpg"],
        ["loose.mp3", "loose.mp3"],
    ]


def test_a_drop_of_plain_files_keeps_them_and_leaves_hidden_ones_out(
    pure_js: JsRunner,
) -> None:
    body = """
        const transfer = new DataTransfer();
        for (const name of ["song.mp3", "._song.mp3", "other.flac"]) {
            transfer.items.add(new File(["x"], name));
        }
        return (await m.filesFromDrop(transfer)).map(({ path }) => path);
    """
    assert pure_js("file-drop.js", body) == ["song.mp3", "other.flac"]
