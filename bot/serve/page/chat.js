// newsbot's chat page. Article text is untrusted: it only ever reaches the page as text
// nodes (textContent, createTextNode), never as markup, so a <script> or an onerror in an
// article is shown as the characters it is. No framework and no build step: one file.
"use strict";

const turns = document.getElementById("turns");
const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const askButton = document.getElementById("ask");
const statusLine = document.getElementById("status");
const tokenRow = document.getElementById("token-row");
const tokenInput = document.getElementById("token");

let conversation = sessionStorage.getItem("newsbot.conversation");
tokenInput.value = sessionStorage.getItem("newsbot.token") || "";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// The passage's text with the answering sentence in <mark>: three text nodes, no markup.
function passageText(passage) {
  const paragraph = element("p", "text");
  const text = passage.text;
  const span = passage.highlight;
  if (!span || span[0] < 0 || span[1] > text.length || span[0] >= span[1]) {
    paragraph.textContent = text;
    return paragraph;
  }
  paragraph.append(document.createTextNode(text.slice(0, span[0])));
  paragraph.append(element("mark", null, text.slice(span[0], span[1])));
  paragraph.append(document.createTextNode(text.slice(span[1])));
  return paragraph;
}

function citation(passage) {
  const parts = [passage.title];
  if (passage.date) parts.push(passage.date);
  return parts.join(" · ");
}

function renderPassage(passage, answered) {
  const item = element("li", answered ? "passage" : "passage nearest");
  item.append(element("div", "citation", citation(passage)));
  const relevance = passage.relevance === null ? passage.score : passage.relevance;
  const also = passage.also.length ? ` · also in ${passage.also.map((a) => a.title).join("; ")}` : "";
  item.append(element("p", "meta",
    `${passage.article}, paragraph ${passage.paragraph} · relevance ${relevance.toFixed(2)}${also}`));
  item.append(passageText(passage));
  return item;
}

function renderAnswer(turn, answer) {
  if (answer.searched && answer.searched !== answer.question) {
    turn.append(element("p", "searched", `(searched: ${answer.searched})`));
  }
  if (answer.period) turn.append(element("p", "period", `(${answer.period})`));
  if (!answer.answered) {
    turn.append(element("p", "refusal", "The articles don't answer this."));
    if (answer.passages.length) turn.append(element("p", "nearest-label", "Nearest passages (not an answer):"));
  }
  const list = element("ol", "passages");
  for (const passage of answer.passages) list.append(renderPassage(passage, answer.answered));
  if (answer.passages.length) turn.append(list);
}

function headers() {
  const sent = { "Content-Type": "application/json" };
  if (tokenInput.value) sent.Authorization = `Bearer ${tokenInput.value}`;
  return sent;
}

async function post(question) {
  const body = { question };
  if (conversation) body.conversation = conversation;
  const response = await fetch("/v1/ask", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (_) { /* a proxy's HTML error page */ }
  return { status: response.status, data };
}

async function ask(question) {
  const turn = element("li", "turn");
  turn.append(element("p", "question", question));
  turns.append(turn);
  askButton.disabled = true;
  statusLine.textContent = "Searching the articles…";
  try {
    let { status, data } = await post(question);
    if (status === 404 && conversation) {  // the conversation ended on the server: start afresh
      conversation = null;
      sessionStorage.removeItem("newsbot.conversation");
      turn.append(element("p", "searched", "(that conversation had ended; asked as a new one)"));
      ({ status, data } = await post(question));
    }
    if (status === 401) tokenRow.hidden = false;
    if (status !== 200 || !data) {
      const message = data && data.error ? data.error : `the server answered ${status}`;
      turn.append(element("p", "error", `Error: ${message}`));
      return;
    }
    conversation = data.conversation;
    sessionStorage.setItem("newsbot.conversation", conversation);
    renderAnswer(turn, data);
  } catch (error) {
    turn.append(element("p", "error", "Error: the server cannot be reached; try again."));
  } finally {
    askButton.disabled = false;
    statusLine.textContent = "";
    turn.scrollIntoView({ block: "start" });
    input.focus();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (!question || askButton.disabled) return;
  input.value = "";
  ask(question);
});

tokenInput.addEventListener("change", () => sessionStorage.setItem("newsbot.token", tokenInput.value));

document.getElementById("new-conversation").addEventListener("click", async () => {
  if (conversation) {
    fetch(`/v1/conversations/${encodeURIComponent(conversation)}`, { method: "DELETE", headers: headers() })
      .catch(() => {});
  }
  conversation = null;
  sessionStorage.removeItem("newsbot.conversation");
  turns.replaceChildren();
  statusLine.textContent = "New conversation: earlier questions are forgotten.";
  input.focus();
});
