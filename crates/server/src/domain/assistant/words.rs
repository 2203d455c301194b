//! What the built-in assistant says, in each language Bellhop speaks, and the words it listens
//! for in any of them (people mix languages; the answer is in their own).

use bellhop_proto::{ActionKind, Language};

/// The assistant's sentences in one language. `{device}` and `{title}` are filled in.
pub struct Phrases {
    /// Before the passages quoted from the best article.
    pub found: &'static str,
    /// After them: which article they are from.
    pub from: &'static str,
    /// Before the other articles that may fit.
    pub also: &'static str,
    /// When no article fits.
    pub nothing: &'static str,
    /// Offering to hand the conversation to the desk.
    pub hand_over: &'static str,
    /// After an offer to act: how it is confirmed.
    pub confirm: &'static str,
    /// An action the desk does not let the person start.
    pub not_offered: &'static str,
    /// An action asked for with no computer of the person's to run it on.
    pub no_device: &'static str,
    /// Installing software, which the assistant cannot do here yet.
    pub no_software: &'static str,
    /// The person's daily budget of the model's answers is spent: the knowledge base answers.
    pub budget_spent: &'static str,
    /// Offering each action on `{device}`, in the order of [`ActionKind::POWER`].
    offers: [&'static str; 4],
}

impl Phrases {
    /// The offer of `kind` on `device`.
    pub fn offer(&self, kind: ActionKind, device: &str) -> String {
        let at = ActionKind::POWER
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        self.offers[at].replace("{device}", device)
    }
}

const EN: Phrases = Phrases {
    found: "Here is what the knowledge base says:",
    from: "From “{title}”.",
    also: "These may help too:",
    nothing: "I found nothing in the knowledge base about this.",
    hand_over: "I can pass this conversation to the service desk: a person will answer in a ticket, with everything we said here.",
    confirm: "Confirm it below with your second factor; nothing happens before you do.",
    not_offered: "The service desk does not let you do this from here. A person can help: I can hand this over.",
    no_device: "I can only do this on a computer assigned to you, and none is yet. I can hand this over to a person.",
    no_software: "Installing software from here is not available yet. The service catalog or a person at the desk can install approved software for you.",
    budget_spent: "You have had today’s answers from the assistant’s model; until tomorrow I answer from the knowledge base alone.",
    offers: [
        "I can restart {device} for you.",
        "I can lock {device} for you.",
        "I can shut down {device} for you.",
        "I can log you out of {device}.",
    ],
};

const FR: Phrases = Phrases {
    found: "Voici ce que dit la base de connaissances :",
    from: "Extrait de « {title} ».",
    also: "Ceci peut aussi aider :",
    nothing: "Je n’ai rien trouvé à ce sujet dans la base de connaissances.",
    hand_over: "Je peux transmettre cette conversation au service d’assistance : une personne vous répondra dans un ticket, avec tout ce que nous avons dit ici.",
    confirm: "Confirmez ci-dessous avec votre second facteur ; rien ne se passe avant.",
    not_offered: "Le service d’assistance ne vous permet pas de le faire d’ici. Une personne peut vous aider : je peux lui transmettre la demande.",
    no_device: "Je ne peux le faire que sur un ordinateur qui vous est attribué, et aucun ne l’est encore. Je peux transmettre la demande à une personne.",
    no_software: "L’installation de logiciels n’est pas encore disponible ici. Le catalogue de services ou une personne du service d’assistance peut installer pour vous les logiciels approuvés.",
    budget_spent: "Vous avez reçu aujourd’hui toutes les réponses du modèle de l’assistant ; jusqu’à demain, je réponds à partir de la base de connaissances seule.",
    offers: [
        "Je peux redémarrer {device} pour vous.",
        "Je peux verrouiller {device} pour vous.",
        "Je peux éteindre {device} pour vous.",
        "Je peux fermer votre session sur {device}.",
    ],
};

const DE: Phrases = Phrases {
    found: "Das steht in der Wissensdatenbank:",
    from: "Aus „{title}“.",
    also: "Das kann auch helfen:",
    nothing: "Dazu habe ich in der Wissensdatenbank nichts gefunden.",
    hand_over: "Ich kann dieses Gespräch an den Service Desk übergeben: Ein Mensch antwortet in einem Ticket, mit allem, was wir hier gesagt haben.",
    confirm: "Bestätigen Sie es unten mit Ihrem zweiten Faktor; vorher geschieht nichts.",
    not_offered: "Der Service Desk erlaubt Ihnen das hier nicht. Ein Mensch kann helfen: Ich kann es übergeben.",
    no_device: "Das geht nur auf einem Computer, der Ihnen zugewiesen ist, und noch keiner ist es. Ich kann es an einen Menschen übergeben.",
    no_software: "Software selbst zu installieren ist hier noch nicht möglich. Der Servicekatalog oder ein Mensch am Service Desk installiert freigegebene Software für Sie.",
    budget_spent: "Die Antworten des Assistenzmodells für heute sind aufgebraucht; bis morgen antworte ich allein aus der Wissensdatenbank.",
    offers: [
        "Ich kann {device} für Sie neu starten.",
        "Ich kann {device} für Sie sperren.",
        "Ich kann {device} für Sie herunterfahren.",
        "Ich kann Sie von {device} abmelden.",
    ],
};

const ES: Phrases = Phrases {
    found: "Esto dice la base de conocimientos:",
    from: "De «{title}».",
    also: "Esto también puede ayudar:",
    nothing: "No encontré nada sobre esto en la base de conocimientos.",
    hand_over: "Puedo pasar esta conversación al servicio de asistencia: una persona le responderá en un ticket, con todo lo que hemos dicho aquí.",
    confirm: "Confírmelo abajo con su segundo factor; no pasa nada antes.",
    not_offered: "El servicio de asistencia no le permite hacerlo desde aquí. Una persona puede ayudar: puedo pasarle la solicitud.",
    no_device: "Solo puedo hacerlo en un ordenador asignado a usted, y todavía no hay ninguno. Puedo pasarlo a una persona.",
    no_software: "Instalar software desde aquí aún no está disponible. El catálogo de servicios o una persona del servicio de asistencia puede instalarle el software aprobado.",
    budget_spent: "Ya ha recibido hoy todas las respuestas del modelo del asistente; hasta mañana respondo solo con la base de conocimientos.",
    offers: [
        "Puedo reiniciar {device} por usted.",
        "Puedo bloquear {device} por usted.",
        "Puedo apagar {device} por usted.",
        "Puedo cerrar su sesión en {device}.",
    ],
};

const IT: Phrases = Phrases {
    found: "Ecco cosa dice la knowledge base:",
    from: "Da «{title}».",
    also: "Possono aiutare anche:",
    nothing: "Non ho trovato nulla su questo nella knowledge base.",
    hand_over: "Posso passare questa conversazione al service desk: una persona risponderà in un ticket, con tutto quello che ci siamo detti qui.",
    confirm: "Confermalo qui sotto con il tuo secondo fattore; prima non succede nulla.",
    not_offered: "Il service desk non ti permette di farlo da qui. Una persona può aiutarti: posso passarle la richiesta.",
    no_device: "Posso farlo solo su un computer assegnato a te, e non ce n’è ancora nessuno. Posso passare la richiesta a una persona.",
    no_software: "Installare software da qui non è ancora possibile. Il catalogo dei servizi o una persona del service desk può installarti il software approvato.",
    budget_spent: "Per oggi hai ricevuto tutte le risposte del modello dell’assistente; fino a domani rispondo solo dalla knowledge base.",
    offers: [
        "Posso riavviare {device} per te.",
        "Posso bloccare {device} per te.",
        "Posso spegnere {device} per te.",
        "Posso disconnetterti da {device}.",
    ],
};

const RU: Phrases = Phrases {
    found: "Вот что говорит база знаний:",
    from: "Из статьи «{title}».",
    also: "Может помочь и это:",
    nothing: "В базе знаний я ничего об этом не нашёл.",
    hand_over: "Я могу передать этот разговор в службу поддержки: сотрудник ответит в заявке, где будет всё, что мы здесь обсудили.",
    confirm: "Подтвердите ниже вторым фактором; до этого ничего не произойдёт.",
    not_offered: "Служба поддержки не разрешает вам делать это отсюда. Сотрудник может помочь: я могу передать ему запрос.",
    no_device: "Я могу сделать это только на компьютере, закреплённом за вами, а такого пока нет. Я могу передать запрос сотруднику.",
    no_software: "Установка программ отсюда пока недоступна. Каталог услуг или сотрудник службы поддержки установит вам одобренные программы.",
    budget_spent: "На сегодня ответы модели ассистента исчерпаны; до завтра я отвечаю только по базе знаний.",
    offers: [
        "Я могу перезагрузить {device}.",
        "Я могу заблокировать {device}.",
        "Я могу выключить {device}.",
        "Я могу завершить ваш сеанс на {device}.",
    ],
};

/// The phrases in `language`.
pub fn phrases(language: Language) -> &'static Phrases {
    match language {
        Language::En => &EN,
        Language::Fr => &FR,
        Language::De => &DE,
        Language::Es => &ES,
        Language::It => &IT,
        Language::Ru => &RU,
    }
}

/// What a question asks for, besides an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Action(ActionKind),
    /// A person at the desk.
    HandOver,
    /// Installing software.
    Software,
}

/// Words that show an intent, in every language. A key ending in `*` matches any word it begins
/// (a stem: "riavvi*" is "riavvia", "riavviare"); one with a space matches those words in a row.
const KEYS: &[(Intent, &[&str])] = &[
    (
        Intent::Action(ActionKind::Restart),
        &[
            "restart",
            "reboot",
            "restarting",
            "rebooting",
            "redémarr*",
            "redemarr*",
            "neustart*",
            "neu starten",
            "reinici*",
            "riavvi*",
            "перезагр*",
            "перезапус*",
        ],
    ),
    (
        Intent::Action(ActionKind::Lock),
        &[
            "lock my",
            "lock the",
            "lock screen",
            "verrouill*",
            "sperren",
            "sperre",
            "bloquear",
            "bloquea",
            "blocca*",
            "заблокир*",
        ],
    ),
    (
        Intent::Action(ActionKind::ShutDown),
        &[
            "shut down",
            "shutdown",
            "power off",
            "turn off my",
            "éteindre",
            "eteindre",
            "herunterfahr*",
            "ausschalt*",
            "apagar",
            "apaga",
            "spegn*",
            "выключ*",
        ],
    ),
    (
        Intent::Action(ActionKind::LogOut),
        &[
            "log out",
            "log me out",
            "logout",
            "log off",
            "sign me out",
            "déconnect*",
            "abmelden",
            "abmeld*",
            "cerrar sesión",
            "cerrar sesion",
            "disconnett*",
            "выйти из",
            "завершить сеанс",
        ],
    ),
    (
        Intent::HandOver,
        &[
            "talk to",
            "speak to",
            "talk with",
            "speak with",
            "person",
            "human",
            "someone",
            "somebody",
            "technician",
            "agent",
            "operator",
            "humain",
            "technicien",
            "conseiller",
            "mensch*",
            "techniker*",
            "mitarbeiter*",
            "persona",
            "humano",
            "técnico",
            "tecnico",
            "umano",
            "operatore",
            "человек*",
            "оператор*",
            "специалист*",
            "сотрудник*",
        ],
    ),
    (
        Intent::Software,
        &[
            "install",
            "installer",
            "installieren",
            "instalar",
            "installare",
            "установ*",
        ],
    ),
];

/// The intents `words` (lower case, in order) show, in the order of [`KEYS`].
pub fn intents(words: &[String]) -> Vec<Intent> {
    KEYS.iter()
        .filter(|(_, keys)| keys.iter().any(|key| mentions(words, key)))
        .map(|(intent, _)| *intent)
        .collect()
}

fn mentions(words: &[String], key: &str) -> bool {
    let parts: Vec<&str> = key.split(' ').collect();
    words.windows(parts.len()).any(|run| {
        run.iter()
            .zip(&parts)
            .all(|(word, part)| match part.strip_suffix('*') {
                Some(stem) => word.starts_with(stem),
                None => word == part,
            })
    })
}

/// Words that say nothing about the problem, left out of a search.
const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for",
    "from", "get", "has", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of",
    "on", "or", "please", "should", "so", "that", "the", "there", "this", "to", "up", "was",
    "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "need",
    "want", "help", "keeps", "keep", "doesn", "don", "t", "s", "m", "ll", "ve", "re", "come",
    "comment", "je", "le", "la", "les", "un", "une", "des", "du", "de", "et", "mon", "ma", "mes",
    "il", "lo", "gli", "di", "da", "per", "che", "non", "mi", "e", "è", "der", "die", "das", "ich",
    "und", "ein", "eine", "mein", "meine", "wie", "el", "los", "las", "mi", "y", "en", "que",
    "cómo", "como", "как", "я", "не", "и", "в", "на", "мой", "моя", "мне", "что",
];

/// The words of `text`, lower case, letters and digits only, in order.
pub fn split(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The words worth searching for: no stop words, each once, at most 24.
pub fn search_words(words: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words {
        if !STOP.contains(&word.as_str()) && !out.contains(word) {
            out.push(word.clone());
        }
    }
    out.truncate(24);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_are_heard_in_any_language_and_not_in_other_words() {
        let heard = |text: &str| intents(&split(text));
        assert_eq!(
            heard("Can you restart my laptop?"),
            [Intent::Action(ActionKind::Restart)]
        );
        assert_eq!(
            heard("riavviare il pc"),
            [Intent::Action(ActionKind::Restart)]
        );
        assert_eq!(
            heard("Выключите компьютер"),
            [Intent::Action(ActionKind::ShutDown)]
        );
        assert_eq!(
            heard("please log me out"),
            [Intent::Action(ActionKind::LogOut)]
        );
        assert_eq!(heard("I need a person"), [Intent::HandOver]);
        assert_eq!(heard("install Zoom"), [Intent::Software]);
        // "locked out" is an account, not the lock action; "personal" is not a person.
        assert!(heard("my account is locked out").is_empty());
        assert!(heard("my personal folder").is_empty());
    }

    #[test]
    fn every_language_has_every_phrase() {
        for language in Language::ALL {
            let p = phrases(language);
            for text in [
                p.found,
                p.from,
                p.also,
                p.nothing,
                p.hand_over,
                p.confirm,
                p.not_offered,
                p.no_device,
                p.no_software,
            ] {
                assert!(!text.trim().is_empty(), "{language:?}");
            }
            assert!(p.from.contains("{title}"), "{language:?}");
            for kind in ActionKind::ALL {
                assert!(
                    p.offer(kind, "PC-7").contains("PC-7"),
                    "{language:?} {kind:?}"
                );
            }
        }
    }

    #[test]
    fn a_search_drops_words_that_say_nothing() {
        assert_eq!(
            search_words(&split("How do I connect to the VPN? The VPN!")),
            ["connect", "vpn"]
        );
    }
}
