// The instructor dashboard: reads the token from the link's fragment (never sent to the server
// in a URL, so it stays out of access logs), keeps it for this tab only, and renders the JSON
// API with textContent: nothing from the server is ever parsed as HTML.
"use strict";

const KEY = "proctor-instructor-token";

function token() {
  const match = /^#token=(.+)$/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(KEY);
}

async function api(path) {
  const answer = await fetch(path, { headers: { Authorization: "Bearer " + token() }, cache: "no-store" });
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.error ? body.error.message : "HTTP " + answer.status);
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function time(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

function seconds(value) {
  if (value === undefined || value === null) return "—";
  const s = Math.round(value);
  return s < 120 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
}

// The bundle stays sealed to the exam's recipients; it is fetched with the token (a plain link
// could not carry it) and handed to the browser as a file.
async function download(attemptId) {
  const answer = await fetch("/v1/instructor/attempts/" + attemptId + "/files/bundle",
    { headers: { Authorization: "Bearer " + token() }, cache: "no-store" });
  if (!answer.ok) throw new Error("the bundle could not be fetched (HTTP " + answer.status + ")");
  const url = URL.createObjectURL(await answer.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = attemptId + ".proctor";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function showError(error) {
  const p = document.getElementById("error");
  p.textContent = error.message;
  p.hidden = false;
}

async function showExams() {
  if (!token()) {
    document.getElementById("who").textContent = "No token: open the link `proctor exam dashboard` prints.";
    return;
  }
  const list = await api("/v1/instructor/exams");
  document.getElementById("who").textContent = "Signed in as " + list.instructor + ". Updated " + time(list.generatedAt) + ".";
  const body = document.querySelector("#exams tbody");
  body.replaceChildren();
  for (const exam of list.exams) {
    const row = document.createElement("tr");
    const first = cell(row, "");
    const button = document.createElement("button");
    button.className = "link";
    button.textContent = exam.examId;
    button.addEventListener("click", () => showAttempts(exam.examId).catch(showError));
    first.appendChild(button);
    cell(row, exam.title);
    cell(row, exam.open ? exam.students + " + open" : String(exam.students));
    cell(row, String(exam.attempts));
    cell(row, (exam.opensAt ? time(exam.opensAt) : "any time") + " – " + (exam.closesAt ? time(exam.closesAt) : "no end"));
    body.appendChild(row);
  }
}

async function showAttempts(examId) {
  const list = await api("/v1/instructor/exams/" + encodeURIComponent(examId) + "/attempts");
  document.getElementById("attempts-section").hidden = false;
  document.getElementById("attempts-title").textContent = "Attempts: " + list.title + " (" + list.examId + ")";
  document.getElementById("attempts-note").textContent =
    "Checkpoint every " + list.checkpointSeconds + " s; recording = one within " + 3 * list.checkpointSeconds + " s. Updated " + time(list.generatedAt) + ".";
  const body = document.querySelector("#attempts tbody");
  body.replaceChildren();
  for (const a of list.attempts) {
    const row = document.createElement("tr");
    cell(row, a.studentId);
    cell(row, a.status.replace("_", " "), "status status-" + a.status);
    cell(row, a.lastCheckpointAt ? time(a.lastCheckpointAt) + " (" + seconds(a.lastCheckpointAgeSeconds) + " ago)" : "—");
    cell(row, String(a.checkpoints));
    cell(row, seconds(a.mediaSeconds));
    cell(row, String(a.lateCheckpoints));
    cell(row, a.gaps.map((g) => seconds(g.fromMediaSeconds) + "–" + seconds(g.toMediaSeconds)).join(", ") || "none", a.gaps.length ? "warn" : "");
    cell(row, a.fork ? "at checkpoint " + a.fork.sequence : "none", a.fork ? "warn" : "");
    let bundle = "—";
    if (a.receipt) bundle = "received " + time(a.receipt.receivedAt) + ", " + a.receipt.size + " bytes" +
      (a.receipt.allContained ? ", all checkpoints contained" : ", NOT all checkpoints contained") + (a.receipt.late ? ", late" : "");
    else if (a.upload) bundle = "uploading " + a.upload.offset + " of " + a.upload.length + " bytes";
    const last = cell(row, bundle, a.receipt && !a.receipt.allContained ? "warn" : "");
    if (a.receipt) {
      const button = document.createElement("button");
      button.className = "link";
      button.textContent = "download";
      button.setAttribute("aria-label", "download the sealed bundle of " + a.studentId);
      button.addEventListener("click", () => download(a.attemptId).catch(showError));
      last.append(" ", button);
    }
    body.appendChild(row);
  }
  document.getElementById("not-started").textContent =
    list.notStarted.length ? "Not started: " + list.notStarted.join(", ") : "Every student on the roster has a ticket.";
}

showExams().catch(showError);
