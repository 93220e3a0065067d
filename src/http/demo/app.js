// The demo page's state and events: the key, the models, creating a workflow, following its run.
import { GraphQLRequestError, request, subscribe, upload } from './graphql.js';
import {
  fillSelect,
  isFinal,
  logEvent,
  logNote,
  renderRecent,
  renderWorkflow,
  showError,
  showMe,
  showRunError,
  showSource,
  startRun,
} from './view.js';

// The operations, by name: their documents are in operations.graphql, and the page sends each by
// its hash (the service's trusted documents), so it works where the service takes hashes only.
const MODELS = 'DemoModels';
const ME = 'DemoMe';
const RECENT = 'DemoRecent';
const WORKFLOW = 'DemoWorkflowById';
const CREATE = 'DemoCreate';
const PROGRESS = 'DemoProgress';

const KEY_STORAGE = 'framewright-demo.apiKey';
const $ = (id) => document.getElementById(id);

const state = {
  key: localStorage.getItem(KEY_STORAGE) ?? '',
  models: [],
  file: null,
  /** The workflow shown in the run panel, and the stream that follows it. */
  current: null,
  following: null,
};

const describe = (error) => (error instanceof Error ? error.message : String(error));

/** A typed error from a mutation's union (its message says what, and the fields which), as one line. */
function describeTyped(result) {
  const fields = (result.fieldErrors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [`${result.code}: ${result.message}`, ...fields].join(' · ');
}

async function refreshMe() {
  if (!state.key) return showMe(null);
  try {
    showMe((await request(ME, {}, state.key)).me);
  } catch (error) {
    showMe(null);
    const refused = error.code === 'UNAUTHENTICATED';
    showError(`${refused ? 'The key was not accepted' : 'The account could not be read'}: ${describe(error)}`);
  }
}

async function refreshRecent() {
  if (!state.key) return renderRecent([], null, follow);
  try {
    const { workflows } = await request(RECENT, {}, state.key);
    renderRecent(
      workflows.edges.map((edge) => edge.node),
      state.current,
      follow,
    );
  } catch (error) {
    renderRecent([], null, follow);
    // A refused key is reported once, by refreshMe.
    if (error.code !== 'UNAUTHENTICATED') showError(`Recent workflows could not be listed: ${describe(error)}`);
  }
}

function selectedModel() {
  return state.models.find((model) => model.id === $('model').value);
}

function onModelChange() {
  const model = selectedModel();
  if (!model) return;
  fillSelect(
    $('aspect-ratio'),
    model.aspectRatios.map((ratio) => ({ value: ratio, label: ratio })),
  );
  fillSelect(
    $('pipeline-mode'),
    model.pipelineModes.map((mode) => ({ value: mode, label: mode === 'IMAGE' ? 'Image (PNG)' : 'Video (MP4)' })),
  );
  $('model-description').textContent = model.description;
  onModeChange();
}

function onModeChange() {
  const model = selectedModel();
  if (!model) return;
  const cost = $('pipeline-mode').value === 'VIDEO' ? model.videoCost : model.imageCost;
  $('cost').textContent = `Costs ${cost} ${cost === 1 ? 'credit' : 'credits'}.`;
}

async function loadModels() {
  try {
    state.models = (await request(MODELS, {})).models;
    fillSelect(
      $('model'),
      state.models.map((model) => ({ value: model.id, label: model.title })),
    );
    onModelChange();
  } catch (error) {
    showError(`The models could not be loaded: ${describe(error)}`);
  }
}

const RECONNECT_ATTEMPTS = 5;
const sleep = (ms, signal) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => !signal.aborted);

/**
 * Follows a run over SSE until it ends. A stream that drops (the service restarted, the network
 * blinked) is opened again, up to RECONNECT_ATTEMPTS times in a row with a growing pause: its first
 * event is the current state, so nothing is missed. A GraphQL error (a revoked key, say) is final.
 */
async function followStream(id, signal) {
  let failures = 0;
  for (;;) {
    let received = false;
    try {
      await subscribe(
        PROGRESS,
        { id },
        state.key,
        ({ workflowProgress: event }) => {
          received = true;
          showRunError(null);
          logEvent(event);
          renderWorkflow(event.workflow, event);
          if (isFinal(event.processingStatus)) void Promise.all([refreshMe(), refreshRecent()]);
        },
        signal,
      );
      return;
    } catch (error) {
      // The service answered: a reason of its own, unless it is overloaded or down for a moment (5xx).
      if (error instanceof GraphQLRequestError && !(error.status >= 500)) throw error;
      failures = received ? 1 : failures + 1;
      if (failures > RECONNECT_ATTEMPTS) throw error;
      const note = `The progress stream dropped (${describe(error)}); reconnecting…`;
      logNote(note);
      showRunError(note);
      if (!(await sleep(1000 * failures, signal))) return;
    }
  }
}

/** Shows a workflow in the run panel and follows its run live until it ends (or another is picked). */
async function follow(id) {
  state.following?.abort();
  const following = new AbortController();
  state.following = following;
  state.current = id;
  showError(null);
  try {
    const { workflow } = await request(WORKFLOW, { id }, state.key);
    if (workflow.__typename !== 'Workflow') return showError(workflow.message);
    if (following.signal.aborted) return;
    startRun(workflow);
    void refreshRecent();
    // The first event is the current state, so nothing between the query and the stream is missed.
    await followStream(id, following.signal);
  } catch (error) {
    if (!following.signal.aborted) showRunError(describe(error));
  }
}

async function create(event) {
  event.preventDefault();
  showError(null);
  if (!state.key) return showError('Enter an API key first.');
  if (!state.file) return showError('Choose or drop an image first.');
  const button = $('create');
  button.disabled = true;
  button.textContent = 'Creating…';
  try {
    const input = {
      title: $('title').value.trim(),
      model: $('model').value,
      // The app's own id of the end user the media is for: this page has one user.
      primaryUserId: 'demo-page',
      options: { aspectRatio: $('aspect-ratio').value, pipelineMode: $('pipeline-mode').value },
      source: null,
    };
    const { createWorkflow: result } = await upload(CREATE, { input }, 'input.source', state.file, state.key);
    if (result.__typename !== 'Workflow') return showError(describeTyped(result));
    void refreshMe();
    void follow(result.id);
  } catch (error) {
    showError(describe(error));
  } finally {
    button.disabled = false;
    button.textContent = 'Create';
  }
}

function chooseFile(file) {
  state.file = file ?? null;
  showSource(state.file);
}

function wireDropZone() {
  const zone = $('drop-zone');
  $('source').addEventListener('change', () => chooseFile($('source').files[0]));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) chooseFile(file);
  });
}

function useKey(event) {
  event.preventDefault();
  state.key = $('api-key').value.trim();
  if (state.key) localStorage.setItem(KEY_STORAGE, state.key);
  else localStorage.removeItem(KEY_STORAGE);
  showError(null);
  void Promise.all([refreshMe(), refreshRecent()]);
}

$('api-key').value = state.key;
$('key-form').addEventListener('submit', useKey);
$('create-form').addEventListener('submit', create);
$('model').addEventListener('change', onModelChange);
$('pipeline-mode').addEventListener('change', onModeChange);
$('refresh').addEventListener('click', () => void Promise.all([refreshMe(), refreshRecent()]));
wireDropZone();
void Promise.all([loadModels(), refreshMe(), refreshRecent()]);
