start =
    Hi, { $name }! I run AI models right here on my owner's machine: nothing you send leaves it.

    • Send a <b>photo</b> or a <b>PDF</b> — I'll return its text.
    • Send a <b>photo with a question</b> in its caption — I'll look and answer. /table — a chart or table photo as a table.
    • Send a <b>voice note</b> or audio — I'll transcribe it and answer.
    • Just <b>write</b> — I'll chat with you.

    /settings — language, voice replies, text clean-up, reading mode
    /help — everything I can do
help =
    <b>What I can do</b>

    <b>In this chat</b>
    • Text → an answer from the local language model. /reset starts a new conversation.
    • Photo, image file or PDF → the recognized text (Russian and English), read fast (tesseract) or accurately (the vision model): see /settings.
    • Photo with a question in its caption → an answer about the picture. Later messages still see it until /reset.
    • /table as a photo's caption or as a reply to a photo → its chart or table as a table, with .md and .csv files. Also the 📊 Table button under text read from a picture.
    • Voice note, audio, video note → the transcript, then an answer (and a voice reply if enabled).
    • 💬 Ask about it under a recognized text or transcript, or a reply to it (or to its file) with a question → an answer from that text only, with its sources: pages (p. 3) or times in the recording (12:41). Follow-up questions stay about it until /reset.
    • Under a recognized text, a transcript or a long answer: ✨ Summary, 🌐 Translate (Russian ⇄ English), 🔊 Read aloud, 📄 As file, 🎬 Subtitles (.srt). A slow job's status message has ✖ Cancel.

    <b>In groups</b> (I only react to commands, mentions and replies to me)
    /ocr — reply to a photo or PDF: its text
    /transcribe — reply to a voice note or audio: its transcript
    /speak text — or reply to a message: a voice message
    /ask question — a chat answer (also when you mention me or reply to me); as a reply to a photo, or as its caption: an answer about the picture; as a reply to a recognized text, a transcript, a PDF or a voice note: an answer from it, with sources
    /table — reply to a photo (or as its caption): its chart or table as a table, with .md and .csv files

    <b>Commands</b>
    /settings — language, voice replies, voice, text clean-up, reading mode (fast or accurate)
    /reset — start a new conversation
    /export — everything I store about you, as files (in a private chat)
    /forget — delete everything I store about you
cmd-start = Start
cmd-help = What I can do
cmd-settings = Language, voice replies, clean-up
cmd-reset = Start a new conversation
cmd-forget = Delete my data
cmd-export = Download my data
cmd-ocr = Text from a photo or PDF (reply to it)
cmd-transcribe = Transcript of a voice note (reply to it)
cmd-speak = Say a text as a voice message
cmd-ask = Ask the assistant (reply to a photo or a document: about it)
cmd-table = A chart or table photo as a table (reply to it)
cmd-status = Models, memory and queues (admins)

reset-done = New conversation started. I've forgotten what we talked about before.
not-allowed = Sorry, this is a private bot. Ask its owner for access.
rate-limited = You're sending messages too fast. Please wait a minute and try again.
status-denied = Sorry, /status is only for the bot's administrators.

ocr-usage = Reply with /ocr to a photo or a PDF (or attach one to the command).
transcribe-usage = Reply with /transcribe to a voice note or an audio file.
speak-usage = Write /speak and a text, or reply with /speak to a text message.
ask-usage = Write /ask and your question.
ask-picture-usage = Write your question after /ask, e.g. “/ask What is in this picture?”.
table-usage = Send /table as a reply to a photo of a table, chart or diagram, or as the photo's caption.
table-cut = Shortened to fit the message; the files hold the whole table.
vision-fallback = The accurate reader (the vision model) isn't available right now, so I read it the fast way.
unsupported-document = I can read photos, images and PDFs, and listen to audio and video. This file type ({ $type }) isn't one of them.

progress-queued = ⏳ I'm busy: you're number { $position } in line…
progress-loading = ⏳ Loading the model, the first request takes a little longer…
progress-working = ⏳ Working on it…
progress-table = ⏳ Reading the table…
progress-downloading = ⏳ Downloading the file…
progress-page = ⏳ Reading page { $page } of { $pages }…
progress-minutes = ⏳ Transcribing: { $done } of { $total } min done…
progress-indexing = ⏳ Preparing the document: { $done } of { $total } passages…
progress-transcribing = 🎧 Listening…
progress-speaking = 🔊 Recording a voice reply…

job-interrupted = ⚠️ I had to stop while working on this. I'll do it again as soon as I'm back.
job-lost = ⚠️ I was restarted and couldn't finish this. Please send it again.

answer-truncated = ✂️ The answer stopped at its length limit. Ask me to go on, or to answer more briefly.
ocr-empty = I couldn't find any text in it.
ocr-pages-skipped = (Read the first { $read } of { $total } pages; the limit is { $read }.)
ocr-pages-unreadable = (These pages could not be read, the file is damaged or too large there: { $pages }.)
transcript-empty = I couldn't make out any speech.
transcript-label = 🎙 Transcript
long-text-as-file = The text is long ({ $chars } characters), so here it is as a file. Beginning:
voice-caption = 🔊 { $seconds } s

settings-title =
    <b>Settings</b>
    Language: { $language }
    Voice replies: { $voice }
    Voice: { $ttsVoice }
    Clean up recognized text: { $normalize }
    Reading photos: { $reading }
settings-reading-fast = fast (tesseract)
settings-reading-accurate = accurate (vision model)
settings-language-auto = as in Telegram
settings-language-ru = Русский
settings-language-en = English
settings-voice-off = off
settings-voice-voice = to voice notes
settings-voice-always = always
settings-tts-auto = neural when available
settings-tts-espeak = espeak (robotic, fast)
settings-on = on
settings-off = off
settings-btn-language = 🌐 Language
settings-btn-voice = 🔊 Voice replies
settings-btn-tts = 🗣 Voice
settings-btn-normalize = ✨ Clean-up
settings-btn-done = ✅ Done
settings-btn-reading = 🔎 Reading mode
settings-saved = Settings saved.
button-invalid = This button is no longer valid. Send the command again for a fresh menu.

forget-confirm = This deletes your conversation history, settings and usage records from this bot. It can't be undone. Delete?
forget-yes = 🗑 Yes, delete
forget-no = Cancel
forget-done = Done: everything I stored about you is deleted.
forget-cancelled = Nothing was deleted.

error-input-unsupported = I can't process this kind of file.
error-input-too-large = This file is too large: the limit is { $limitMb } MB. Send a shorter or compressed file (for a video, just its sound). Telegram lets bots download only 20 MB; the bot's admin can raise the limit with a self-hosted Bot API server.
error-input-too-long = This is too long for me to take in at once. Try something shorter, or /reset to start a new conversation.
error-input-empty = This is empty; there's nothing to process.
error-input-corrupt = This file seems to be damaged; I couldn't read it.
error-audio-corrupt = I couldn't decode this audio. Is it a real voice note or audio file?
error-audio-empty = This recording is empty or silent.
error-audio-too-long = This recording is too long: I transcribe up to { $maxSeconds } seconds. Send it in parts, or ask the bot's admin to raise ASR_MAX_SECONDS.
error-audio-no-speech = I heard no speech in this recording.
error-image-corrupt = I couldn't open this image. Try sending it as a photo or a PNG/JPEG file.
error-image-too-large = This image is too large to process. Try a smaller one.
error-pdf-corrupt = This PDF seems to be damaged; I couldn't open it.
error-pdf-too-large = This PDF is too large: up to { $maxMb } MB, please.
error-pdf-encrypted = This PDF is password-protected. Send an unprotected copy.
error-tts-too-long = That's too much text for a voice message: up to { $maxChars } characters, please.
error-model-missing = The model for this isn't installed on the server yet. The owner can install it with “npm run models:pull”.
error-model-load-failed = None of the models for this could be loaded. The administrator can see why in /status. Please try again later.
error-model-failed = The model failed on this input. Please try again, or try a clearer file.
error-model-budget-exceeded = The server is out of model memory right now. Please try again in a minute.
error-model-busy = I'm too busy right now. Please try again in a minute.
error-owner-busy = You already have many requests waiting. I'll get to them; send more once they're done.
error-model-shutting-down = I'm restarting. Please send that again in a minute.
error-job-cancelled = Cancelled.
error-vision-timeout = Looking at the picture took longer than { $seconds } s, so I stopped. Please try again later.
error-vision-no-table = I found no table in this picture. Try a clearer photo of a table, chart or diagram.
error-cluster-no-worker = No model server for this is running right now. Please try again later; the owner has been told.
error-cluster-unavailable = I can't reach my model servers right now. Please try again in a minute.
error-cluster-lost = The model server working on this stopped before it finished. Please send it again.
error-tool-missing = A program I need for this isn't installed on the server. The owner has been told.
error-tool-failed = Something went wrong while processing this. Please try again.
error-tool-timeout = This took too long and was stopped. Try a shorter file.
error-telegram-timeout = Telegram didn't answer in time, so I stopped. Please send that again.
error-download-timeout = Downloading your file from Telegram took too long. Please send it again.
error-internal = Sorry, something went wrong on my side. Please try again.

status-header = <b>Status</b> · up { $uptime } · { $device }
status-memory = Model memory: { $used } of { $budget } in use, peak { $peak }
status-database = Database: { $file } on disk (WAL { $wal }, { $free } free inside) · results { $results } · turns { $history } · usage { $usage }
status-models = <b>Models</b>
status-cuda = CUDA: { $reason }
status-variant-unavailable = ↳ <code>{ $variant }</code> unavailable: { $reason } (next try in { $retry })
status-waiting = ↳ waiting: interactive { $interactive } (longest { $interactiveWait }), batch { $batch } (longest { $batchWait })
status-top-owners = ↳ most waiting (owner ids hashed): { $owners }
status-model = <code>{ $id }</code> — { $state }{ $variant }, { $device }, { $footprint }{ $measured }
    queue { $queue } · running { $running } · loads { $loads } · jobs { $ok }✓ { $failed }✗ · p50 { $p50 } · p95 { $p95 } · idle { $idle }
status-state-unloaded = not loaded
status-state-loading = loading
status-state-ready = ready
status-state-running = working
status-state-unloading = unloading
status-usage-hour = <b>Last hour</b>: { $usage }
status-usage-day = <b>Last 24 h</b>: { $usage }
status-no-usage = nothing yet
status-api-keys = <b>API keys today (UTC)</b>
status-api-key = <code>{ $name }</code>: { $requests } requests ({ $failed }✗) · audio { $audio } · { $pages } pages · { $tokens } tokens

cancel-button = ✖ Cancel
cancel-pressed = Cancelling…
cancel-not-yours = Only the person who asked can cancel this.

action-summary = ✨ Summary
action-translate = 🌐 Translate
action-read-aloud = 🔊 Read aloud
action-file = 📄 As file
action-subtitles = 🎬 Subtitles (.srt)
action-table = 📊 Table
action-not-yours = Only the person who asked for this can use its buttons.
action-ask = 💬 Ask about it
ask-document-prompt = 💬 Ask me anything about this text: I'll answer from it and show where it says so. { $group ->
    [yes] Reply to this message with your question.
   *[no] Just write your question.
} /reset ends it.
qa-sources = 📎 Sources:
qa-nearest = Nearest places:
qa-not-found = I couldn't find that in the document.
qa-page = p. { $page }
qa-source = { $place } — “{ $quote }”
error-document-none = Which document? Reply to a recognized text or transcript with your question, or press 💬 Ask about it under it.
error-document-gone = This document is no longer stored (it was deleted or is too old). Send the file again to ask about it.
action-expired = Sorry, this result is too old for its buttons. Send it again, please.
action-gone = Sorry, this result is no longer stored. Send it again, please.
action-gone-kept = Sorry, this result is no longer stored (results are kept for { $days } days). Send it again, please.
action-no-subtitles = There are no timed lines to make subtitles from.

export-private-only = /export sends everything I store about you; please use it in a private chat with me.
export-empty = I have nothing stored about you.
export-caption = Everything I store about you (settings, conversations, usage, results), as JSON.
export-md-title = Your conversations
export-md-private = private chat
export-md-conversation = Conversation { $number } ({ $chat })
export-md-you = You
export-md-bot = Bot

status-workers = <b>Workers</b>
status-worker = <code>{ $id }</code> on { $host } — serves { $kinds }; loaded { $loaded }; running { $running } · { $used } of { $budget } · seen { $seen } ago
status-no-workers = no worker is running: model jobs can't be served
status-queues = <b>Queues</b>: { $queues }
