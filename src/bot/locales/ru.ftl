start =
    Привет, { $name }! Я запускаю нейросети прямо на компьютере владельца: ничего из того, что вы присылаете, не уходит наружу.

    • Пришлите <b>фото</b> или <b>PDF</b> — верну текст.
    • Пришлите <b>голосовое</b> или аудио — расшифрую и отвечу.
    • Просто <b>напишите</b> — поговорим.

    /settings — язык, голосовые ответы, исправление текста
    /help — всё, что я умею
help =
    <b>Что я умею</b>

    <b>В личном чате</b>
    • Текст → ответ локальной языковой модели. /reset начинает новый разговор.
    • Фото, картинка или PDF → распознанный текст (русский и английский).
    • Голосовое, аудио, видеосообщение → расшифровка и ответ (и голосовой ответ, если включён).

    <b>В группах</b> (реагирую только на команды, упоминания и ответы на мои сообщения)
    /ocr — ответом на фото или PDF: его текст
    /transcribe — ответом на голосовое или аудио: расшифровка
    /speak текст — или ответом на сообщение: голосовое сообщение
    /ask вопрос — ответ ассистента (и когда меня упоминают или отвечают мне)

    <b>Команды</b>
    /settings — язык, голосовые ответы, голос, исправление текста
    /reset — начать новый разговор
    /forget — удалить всё, что я о вас храню
cmd-start = Начать
cmd-help = Что я умею
cmd-settings = Язык, голосовые ответы, исправление
cmd-reset = Начать новый разговор
cmd-forget = Удалить мои данные
cmd-ocr = Текст с фото или PDF (ответом на него)
cmd-transcribe = Расшифровка голосового (ответом на него)
cmd-speak = Озвучить текст голосовым
cmd-ask = Спросить ассистента
cmd-status = Модели, память и очереди (админам)

reset-done = Начали новый разговор. Прежнюю переписку я больше не учитываю.
not-allowed = Извините, это закрытый бот. Попросите доступ у его владельца.
rate-limited = Слишком много сообщений подряд. Подождите минуту и попробуйте снова.
status-denied = Извините, /status доступен только администраторам бота.

ocr-usage = Ответьте командой /ocr на фото или PDF (или приложите файл к команде).
transcribe-usage = Ответьте командой /transcribe на голосовое или аудиофайл.
speak-usage = Напишите /speak и текст или ответьте командой /speak на текстовое сообщение.
ask-usage = Напишите /ask и ваш вопрос.
unsupported-document = Я читаю фото, картинки и PDF, слушаю аудио и видео. Этот тип файла ({ $type }) я не понимаю.

progress-queued = ⏳ Вы { $position }-й в очереди…
progress-loading = ⏳ Загружаю модель, первый запрос выполняется чуть дольше…
progress-working = ⏳ Работаю…
progress-downloading = ⏳ Скачиваю файл…
progress-page = ⏳ Читаю страницу { $page } из { $pages }…
progress-transcribing = 🎧 Слушаю…
progress-speaking = 🔊 Записываю голосовой ответ…

ocr-empty = Не нашёл здесь текста.
ocr-pages-skipped = (Прочитал первые { $read } из { $total } страниц — это предел.)
transcript-empty = Не удалось разобрать речь.
transcript-label = 🎙 Расшифровка
long-text-as-file = Текст длинный ({ $chars } символов), поэтому отправляю файлом. Начало:
voice-caption = 🔊 { $seconds } с

settings-title =
    <b>Настройки</b>
    Язык: { $language }
    Голосовые ответы: { $voice }
    Голос: { $ttsVoice }
    Исправлять распознанный текст: { $normalize }
settings-language-auto = как в Telegram
settings-language-ru = Русский
settings-language-en = English
settings-voice-off = выключены
settings-voice-voice = на голосовые
settings-voice-always = всегда
settings-tts-auto = нейросетевой, если есть
settings-tts-espeak = espeak (роботизированный, быстрый)
settings-on = да
settings-off = нет
settings-btn-language = 🌐 Язык
settings-btn-voice = 🔊 Голосовые ответы
settings-btn-tts = 🗣 Голос
settings-btn-normalize = ✨ Исправление
settings-btn-done = ✅ Готово
settings-saved = Настройки сохранены.

forget-confirm = Это удалит историю разговоров, настройки и записи об использовании бота. Отменить будет нельзя. Удалить?
forget-yes = 🗑 Да, удалить
forget-no = Отмена
forget-done = Готово: всё, что я о вас хранил, удалено.
forget-cancelled = Ничего не удалено.

error-input-unsupported = Не могу обработать такой файл.
error-input-too-large = Файл слишком большой: предел { $limitMb } МБ.
error-input-too-long = Слишком длинно, чтобы обработать за раз. Попробуйте покороче или начните новый разговор командой /reset.
error-input-empty = Здесь пусто, обрабатывать нечего.
error-input-corrupt = Файл, похоже, повреждён — не удалось его прочитать.
error-audio-corrupt = Не удалось декодировать аудио. Это точно голосовое или аудиофайл?
error-audio-empty = Запись пустая или беззвучная.
error-audio-too-long = Запись слишком длинная: не больше { $maxSeconds } секунд, пожалуйста.
error-image-corrupt = Не удалось открыть изображение. Пришлите его как фото или файл PNG/JPEG.
error-image-too-large = Изображение слишком большое. Попробуйте поменьше.
error-pdf-corrupt = PDF, похоже, повреждён — не удалось его открыть.
error-pdf-too-large = PDF слишком большой: не больше { $maxMb } МБ, пожалуйста.
error-pdf-encrypted = PDF защищён паролем. Пришлите копию без защиты.
error-tts-too-long = Слишком много текста для голосового: не больше { $maxChars } символов, пожалуйста.
error-model-missing = Модель для этого ещё не установлена на сервере. Владелец может установить её командой «npm run models:pull».
error-model-load-failed = Не удалось загрузить модель. Попробуйте позже.
error-model-failed = Модель не справилась с этим файлом. Попробуйте ещё раз или пришлите файл почётче.
error-model-budget-exceeded = Сейчас на сервере не хватает памяти для моделей. Попробуйте через минуту.
error-model-busy = Я сейчас очень занят. Попробуйте через несколько минут.
error-model-shutting-down = Я перезапускаюсь. Пришлите это ещё раз через минуту.
error-job-cancelled = Отменено.
error-cluster-no-worker = Сервер моделей для этого сейчас не запущен. Попробуйте позже; владелец уже знает.
error-cluster-unavailable = Не могу связаться с серверами моделей. Попробуйте через минуту.
error-cluster-lost = Сервер моделей, который это выполнял, остановился раньше, чем закончил. Пришлите это ещё раз.
error-tool-missing = На сервере не установлена нужная для этого программа. Владелец уже знает.
error-tool-failed = Что-то пошло не так при обработке. Попробуйте ещё раз.
error-tool-timeout = Обработка заняла слишком много времени и была остановлена. Попробуйте файл покороче.
error-internal = Извините, у меня что-то сломалось. Попробуйте ещё раз.

status-header = <b>Состояние</b> · работает { $uptime } · { $device }
status-memory = Память моделей: занято { $used } из { $budget }, пик { $peak }
status-models = <b>Модели</b>
status-model = <code>{ $id }</code> — { $state }{ $variant }, { $device }, { $footprint }{ $measured }
    очередь { $queue } · в работе { $running } · загрузок { $loads } · задач { $ok }✓ { $failed }✗ · p50 { $p50 } · p95 { $p95 } · простой { $idle }
status-state-unloaded = не загружена
status-state-loading = загружается
status-state-ready = готова
status-state-running = работает
status-state-unloading = выгружается
status-usage-hour = <b>За час</b>: { $usage }
status-usage-day = <b>За сутки</b>: { $usage }
status-no-usage = пока ничего
status-workers = <b>Обработчики</b>
status-worker = <code>{ $id }</code> на { $host } — модели { $kinds }; загружены { $loaded }; в работе { $running } · { $used } из { $budget } · был на связи { $seen } назад
status-no-workers = ни один обработчик не запущен: задания моделям выполнять некому
status-queues = <b>Очереди</b>: { $queues }
