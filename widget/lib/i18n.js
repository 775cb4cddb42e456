// The widget's own texts (not the bot's answers, which come from Rasa) in every language it speaks.
// Counted texts have one entry per CLDR plural category, picked with Intl.PluralRules.

const TEXTS = {
  en: {
    title: "Chat with us",
    greeting: "Hi! Ask me about delivery, returns, payment or your order. You can talk to a person at any time.",
    openChat: "Open chat",
    openChatUnread: { one: "Open chat, {n} unread message", other: "Open chat, {n} unread messages" },
    closeChat: "Close chat",
    conversation: "Conversation",
    inputLabel: "Your message",
    placeholder: "Type your message…",
    send: "Send",
    talkToPerson: "Talk to a person",
    statusConnecting: "Connecting…",
    statusOnline: "Online",
    statusOffline: "Offline, reconnecting…",
    offlineNotice: "You're offline. We're reconnecting and will send what you write as soon as we're back.",
    waitingToSend: "Waiting to send",
    typing: "The assistant is typing",
    you: "You",
    assistant: "Assistant",
    agentRole: "Customer service",
    suggestions: "Suggested replies",
    rateConversation: "Rate this conversation",
    stars: { one: "{n} star out of 5", other: "{n} stars out of 5" },
    newTab: "(opens in a new tab)",
    charactersUsed: "{n} of {max} characters",
    statusPerson: "Online · a person is available",
    statusNoPerson: "Online · our team is away, the assistant answers",
    agentTyping: "{name} is typing…",
    someoneTyping: "Customer service is typing…",
    emailTranscript: "E-mail me this chat",
    transcriptSent: "We've sent this conversation to the e-mail address you gave us.",
    transcriptNoEmail: "We can send this conversation once you've given us your e-mail address here (for example for a ticket or to check an order).",
    transcriptLimited: "We've sent this conversation a few times already. Please try again later.",
    transcriptUnavailable: "Sorry, we can't send e-mails right now. Please try again later.",
    attachFile: "Send a photo or PDF",
    fileImage: "Image: {name}",
    fileDownload: "Download {name} ({size} kB)",
    fileTooBig: "That file is too big: files of up to {max} MB can be sent. Nothing was sent.",
    fileBadType: "That kind of file can't be sent. Please send a photo (JPEG, PNG, WebP, GIF) or a PDF. Nothing was sent.",
    fileLimited: "You've sent several files in a short time. Please wait a few minutes and try again.",
    fileUnavailable: "Sorry, the file could not be sent just now. Please try again in a moment.",
  },
  pl: {
    title: "Czat z nami",
    greeting: "Cześć! Zapytaj mnie o dostawę, zwroty, płatności lub swoje zamówienie. W każdej chwili możesz porozmawiać z konsultantem.",
    openChat: "Otwórz czat",
    openChatUnread: {
      one: "Otwórz czat, {n} nieprzeczytana wiadomość",
      few: "Otwórz czat, {n} nieprzeczytane wiadomości",
      many: "Otwórz czat, {n} nieprzeczytanych wiadomości",
      other: "Otwórz czat, {n} nieprzeczytanej wiadomości",
    },
    closeChat: "Zamknij czat",
    conversation: "Rozmowa",
    inputLabel: "Twoja wiadomość",
    placeholder: "Napisz wiadomość…",
    send: "Wyślij",
    talkToPerson: "Porozmawiaj z konsultantem",
    statusConnecting: "Łączenie…",
    statusOnline: "Online",
    statusOffline: "Brak połączenia, łączymy ponownie…",
    offlineNotice: "Brak połączenia. Łączymy ponownie, a to, co napiszesz, wyślemy, gdy tylko połączenie wróci.",
    waitingToSend: "Czeka na wysłanie",
    typing: "Asystent pisze",
    you: "Ty",
    assistant: "Asystent",
    agentRole: "Obsługa klienta",
    suggestions: "Proponowane odpowiedzi",
    rateConversation: "Oceń tę rozmowę",
    stars: {
      one: "{n} gwiazdka na 5",
      few: "{n} gwiazdki na 5",
      many: "{n} gwiazdek na 5",
      other: "{n} gwiazdki na 5",
    },
    newTab: "(otwiera się w nowej karcie)",
    charactersUsed: "{n} z {max} znaków",
    statusPerson: "Online · konsultant jest dostępny",
    statusNoPerson: "Online · zespół jest nieobecny, odpowiada asystent",
    agentTyping: "{name} pisze…",
    someoneTyping: "Obsługa klienta pisze…",
    emailTranscript: "Wyślij mi tę rozmowę",
    transcriptSent: "Wysłaliśmy tę rozmowę na podany przez Ciebie adres e-mail.",
    transcriptNoEmail: "Wyślemy tę rozmowę, gdy podasz tu swój adres e-mail (np. przy zgłoszeniu lub sprawdzaniu zamówienia).",
    transcriptLimited: "Ta rozmowa została już wysłana kilka razy. Spróbuj ponownie później.",
    transcriptUnavailable: "Przepraszamy, nie możemy teraz wysyłać e-maili. Spróbuj ponownie później.",
    attachFile: "Wyślij zdjęcie lub PDF",
    fileImage: "Obraz: {name}",
    fileDownload: "Pobierz {name} ({size} kB)",
    fileTooBig: "Ten plik jest za duży: można wysłać pliki do {max} MB. Nic nie zostało wysłane.",
    fileBadType: "Nie można wysłać tego rodzaju pliku. Wyślij zdjęcie (JPEG, PNG, WebP, GIF) lub PDF. Nic nie zostało wysłane.",
    fileLimited: "Wysłano kilka plików w krótkim czasie. Odczekaj kilka minut i spróbuj ponownie.",
    fileUnavailable: "Przepraszamy, nie udało się teraz wysłać pliku. Spróbuj ponownie za chwilę.",
  },
  ru: {
    title: "Чат с нами",
    greeting: "Здравствуйте! Спросите меня о доставке, возврате, оплате или вашем заказе. В любой момент можно поговорить с сотрудником.",
    openChat: "Открыть чат",
    openChatUnread: {
      one: "Открыть чат, {n} непрочитанное сообщение",
      few: "Открыть чат, {n} непрочитанных сообщения",
      many: "Открыть чат, {n} непрочитанных сообщений",
      other: "Открыть чат, {n} непрочитанного сообщения",
    },
    closeChat: "Закрыть чат",
    conversation: "Переписка",
    inputLabel: "Ваше сообщение",
    placeholder: "Напишите сообщение…",
    send: "Отправить",
    talkToPerson: "Поговорить с сотрудником",
    statusConnecting: "Подключение…",
    statusOnline: "В сети",
    statusOffline: "Нет связи, переподключаемся…",
    offlineNotice: "Нет соединения. Мы переподключаемся и отправим ваши сообщения, как только связь восстановится.",
    waitingToSend: "Ожидает отправки",
    typing: "Ассистент печатает",
    you: "Вы",
    assistant: "Ассистент",
    agentRole: "Служба поддержки",
    suggestions: "Варианты ответа",
    rateConversation: "Оцените разговор",
    stars: { one: "{n} звезда из 5", few: "{n} звезды из 5", many: "{n} звёзд из 5", other: "{n} звезды из 5" },
    newTab: "(откроется в новой вкладке)",
    charactersUsed: "{n} из {max} символов",
    statusPerson: "В сети · сотрудник на связи",
    statusNoPerson: "В сети · сотрудников сейчас нет, отвечает ассистент",
    agentTyping: "{name} печатает…",
    someoneTyping: "Служба поддержки печатает…",
    emailTranscript: "Отправить мне переписку",
    transcriptSent: "Мы отправили эту переписку на указанный вами адрес электронной почты.",
    transcriptNoEmail: "Мы сможем отправить переписку, когда вы укажете здесь свой адрес электронной почты (например, для обращения или проверки заказа).",
    transcriptLimited: "Эту переписку уже отправляли несколько раз. Попробуйте позже.",
    transcriptUnavailable: "К сожалению, сейчас мы не можем отправлять письма. Попробуйте позже.",
    attachFile: "Отправить фото или PDF",
    fileImage: "Изображение: {name}",
    fileDownload: "Скачать {name} ({size} КБ)",
    fileTooBig: "Файл слишком большой: можно отправить файлы до {max} МБ. Ничего не отправлено.",
    fileBadType: "Такой файл отправить нельзя. Отправьте фото (JPEG, PNG, WebP, GIF) или PDF. Ничего не отправлено.",
    fileLimited: "Вы отправили несколько файлов за короткое время. Подождите несколько минут и попробуйте снова.",
    fileUnavailable: "К сожалению, сейчас не удалось отправить файл. Попробуйте ещё раз чуть позже.",
  },
};

export const LANGUAGES = Object.keys(TEXTS);

/** The first supported language among: the snippet's data-lang, the page's <html lang>, the browser's. */
export function pickLanguage(requested, pageLanguage, browserLanguages) {
  const candidates = [requested, pageLanguage, ...(browserLanguages || [])];
  for (const tag of candidates) {
    const primary = String(tag || "").trim().toLowerCase().split(/[-_]/)[0];
    if (primary in TEXTS) return primary;
  }
  return "en";
}

/** t(key, {n, ...}): the text in `language`, placeholders filled, plural form chosen by `n`. */
export function translator(language) {
  const texts = TEXTS[language] || TEXTS.en;
  const plurals = new Intl.PluralRules(language);
  return function t(key, values = {}) {
    let text = texts[key] ?? TEXTS.en[key] ?? key;
    if (typeof text === "object") text = text[plurals.select(values.n)] ?? text.other;
    return text.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
  };
}
