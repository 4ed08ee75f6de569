// The student page: draws itself from GET /api/state and streams the camera preview from
// GET /api/preview (one JPEG per request, long-polled). No inline script, no third-party code.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const steps = { agreement: 'step-agreement', 'id-photo': 'step-photo', 'face-photo': 'step-photo',
                  'room-scan': 'step-room-scan', recording: 'step-recording', ended: 'step-ended' };
  let current = null;        // the state last drawn
  let shownSection = null;   // the step section on screen
  let shownQuestion = null;  // the question id the photo buttons belong to
  let sequence = 0;          // the preview frame on screen
  let held = null;           // the frame held for a photo
  let previewOn = true;
  let warningsShown = 0;

  const clock = (seconds) => {
    const total = Math.max(0, Math.floor(seconds));
    const two = (n) => String(n).padStart(2, '0');
    return `${two(Math.floor(total / 3600))}:${two(Math.floor(total % 3600 / 60))}:${two(total % 60)}`;
  };

  async function post(path, body) {
    const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                         body: JSON.stringify(body) });
    if (!response.ok) {
      let message = `The request failed (${response.status}).`;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response.json();
  }

  function say(text) { $('status-line').textContent = text; }

  function showSection(id) {
    if (shownSection === id) return;
    for (const section of document.querySelectorAll('.step')) section.hidden = section.id !== id;
    shownSection = id;
    const heading = document.querySelector(`#${id} h2`);
    // Focus follows the step so keyboard and screen-reader users land on what is new.
    if (heading) heading.focus();
  }

  function drawPhoto(state) {
    const question = state.question;
    const kind = state.step === 'id-photo' ? 'id' : 'face';
    $('photo-title').textContent = kind === 'id' ? 'ID photo' : 'Face photo';
    $('photo-instruction').textContent = kind === 'id'
      ? 'Hold your photo ID up to the camera inside the frame, with the photo and name readable.'
      : 'Look into the camera with your face inside the oval.';
    $('guide').className = `guide ${kind}`;
    if (!question || (question.kind !== 'id' && question.kind !== 'face')) {
      $('take').disabled = true;
      return;
    }
    if (shownQuestion !== question.id) {
      shownQuestion = question.id;
      held = null;
    }
    $('take').disabled = false;
    $('take').hidden = held !== null;
    $('use').hidden = held === null;
    $('retake').hidden = held === null;
  }

  function drawWarnings(state) {
    const list = $('warnings');
    for (const warning of state.warnings.slice(warningsShown)) {
      const line = document.createElement('p');
      line.textContent = warning.text;
      line.dataset.id = String(warning.id);
      list.appendChild(line);
    }
    warningsShown = state.warnings.length;
    $('no-warnings').hidden = warningsShown > 0;
  }

  function drawSubmission(state) {
    const submission = state.submission;
    $('finish').disabled = !state.canSubmit || submission !== null && submission !== undefined;
    if (!submission) return;
    $('submission-message').textContent = submission.message;
    if (submission.receipt) {
      const receipt = submission.receipt;
      $('receipt-bundle').textContent = receipt.bundle;
      $('receipt-destination').textContent = `${receipt.destination} (${receipt.location})`;
      $('receipt-size').textContent = `${receipt.size} bytes`;
      $('receipt-sha256').textContent = receipt.sha256;
      $('receipt').hidden = false;
    }
  }

  function draw(state) {
    current = state;
    const step = state.ended ? 'ended' : state.step;
    showSection(steps[step] || 'step-agreement');
    $('disclosure').textContent = state.disclosure;
    $('accept').disabled = !(state.question && state.question.kind === 'agreement');
    $('camera').hidden = !['id-photo', 'face-photo', 'room-scan', 'recording'].includes(step) || !previewOn;
    if (step === 'id-photo' || step === 'face-photo') drawPhoto(state);
    $('guide').classList.toggle('off', !(step === 'id-photo' || step === 'face-photo'));
    if (state.exposure) {
      $('exposure').textContent = state.exposure;
      $('exposure').classList.toggle('bad', !state.exposureOK);
    } else if (step === 'recording' || step === 'room-scan') {
      $('exposure').textContent = 'Camera preview: the pictures the checks look at.';
      $('exposure').classList.remove('bad');
    }
    const percent = state.roomScanTotal > 0 ? Math.min(100, Math.round(100 * state.roomScanDone / state.roomScanTotal)) : 0;
    $('scan-progress').value = step === 'room-scan' || step === 'recording' || step === 'ended' ? (step === 'room-scan' ? percent : 100) : 0;
    $('scan-progress').textContent = `${$('scan-progress').value}%`;
    $('scan-percent').textContent = `${$('scan-progress').value}%`;
    if (state.progress) {
      const progress = state.progress;
      $('time-left').textContent = clock(progress.remaining);
      $('recording-what').textContent = progress.recording.length ? progress.recording.join(', ') : 'nothing (you are exempt)';
      say(`${progress.practice ? 'PRACTICE · ' : ''}Recording · ${clock(progress.elapsed)} elapsed · ${clock(progress.remaining)} left`);
    } else {
      say({ agreement: 'Read what is recorded, then agree to start.', 'id-photo': 'Step 2: your ID photo.',
            'face-photo': 'Step 3: your face photo.', 'room-scan': 'Room scan.' }[step] || 'Starting…');
    }
    if (state.ended) {
      $('ended-summary').textContent = state.ended;
      say('The exam has ended.');
      previewOn = false;
    }
    drawWarnings(state);
    drawSubmission(state);
  }

  async function pollState() {
    try {
      const response = await fetch('/api/state');
      if (response.ok) draw(await response.json());
    } catch (e) {
      say('proctor is not answering: the exam session may have ended.');
    }
    setTimeout(pollState, 400);
  }

  async function pollPreview() {
    while (previewOn) {
      if (held !== null) {
        // The photo on screen stays until it is used or retaken.
        await new Promise((resolve) => setTimeout(resolve, 300));
        continue;
      }
      let response;
      try {
        response = await fetch(`/api/preview?after=${sequence}`);
      } catch (e) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (response.status === 410) { previewOn = false; break; }
      if (response.status !== 200) continue;
      const number = Number(response.headers.get('X-Preview-Sequence'));
      const blob = await response.blob();
      if (held !== null) continue;
      const image = $('preview');
      const old = image.src;
      image.src = URL.createObjectURL(blob);
      image.dataset.sequence = String(number);
      sequence = number;
      if (old && old.startsWith('blob:')) URL.revokeObjectURL(old);
    }
    $('camera').hidden = true;
    $('preview').removeAttribute('src');
  }

  async function answer(text) {
    if (!current || !current.question) return;
    await post('/api/answer', { id: current.question.id, text });
  }

  function report(error) { say(error.message); }

  $('accept').addEventListener('click', () => answer('yes').catch(report));
  $('take').addEventListener('click', async () => {
    const shown = Number($('preview').dataset.sequence || 0);
    if (!shown) { say('Wait for the camera picture, then take the photo.'); return; }
    // Held at once, so no newer frame replaces the one taken while the request is on its way.
    held = shown;
    try {
      await post('/api/photo/take', { sequence: shown });
      drawPhoto(current);
      $('use').focus();
      $('exposure').textContent = 'Photo taken: use it, or retake it.';
    } catch (error) {
      held = null;
      report(error);
    }
  });
  $('use').addEventListener('click', () => answer('photo').then(() => { held = null; }).catch(report));
  $('retake').addEventListener('click', async () => {
    try {
      await post('/api/photo/retake', {});
      held = null;
      drawPhoto(current);
      $('take').focus();
    } catch (error) { report(error); }
  });
  $('finish').addEventListener('click', () => $('confirm').showModal());
  $('confirm-no').addEventListener('click', () => { $('confirm').close(); $('finish').focus(); });
  $('confirm-yes').addEventListener('click', async () => {
    $('confirm').close();
    try {
      await post('/api/submit', { confirm: true });
      say('Finishing: sealing and delivering the recording…');
    } catch (error) { report(error); }
  });

  pollState();
  pollPreview();
})();
