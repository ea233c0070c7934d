/**
 * The Upload view: pick files or a folder (or drop them anywhere on the page). The uploads
 * themselves are the upload manager's (upload-queue.js) and show in the uploads panel
 * (ui/uploads.js).
 */

import { h } from "../dom.js";
import { showUploadsPanel } from "../ui/uploads.js";

/** The Upload view; `uploads` is the upload manager (upload-queue.js), null for those who may not upload. */
export async function upload({ uploads }) {
  if (!uploads) {
    return h("section", null, h("h1", null, "Upload"), h("p.error", null, "Uploads are for admins on this server (TONEARM_USER_UPLOADS is off)."));
  }
  if (uploads.items.length) showUploadsPanel(); // shown again if it was hidden
  const files = h("input.visually-hidden", { type: "file", id: "upload-files", multiple: true, accept: "audio/*,.flac,.mp3,.m4a,.ogg,.opus,.wav,.aif,.aiff,.wv,.ape" });
  const folder = h("input.visually-hidden", { type: "file", id: "upload-folder", multiple: true, webkitdirectory: true });
  for (const input of [files, folder]) {
    input.addEventListener("change", () => {
      uploads.add(Array.from(input.files || []));
      input.value = "";
    });
  }
  const zone = h(
    "div.drop-zone",
    {
      tabindex: 0,
      role: "button",
      onclick: () => files.click(),
      onkeydown: (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          files.click();
        }
      },
    },
    h("strong", null, "Drop files or folders here"),
    h("span", null, "or anywhere on the page — each file is imported on its own; bad files say why."),
  );
  return h(
    "section.upload-view",
    null,
    h("h1", null, "Upload"),
    zone,
    h(
      "div.inline",
      null,
      h("label.button-like", { for: "upload-files" }, "Choose files…"),
      files,
      h("label.button-like", { for: "upload-folder" }, "Choose a folder…"),
      folder,
    ),
    h("p.meta", null, "Progress shows in the Uploads panel; new songs appear in the library as soon as they are imported."),
  );
}
