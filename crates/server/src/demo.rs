//! The demo project (`pupitre serve --demo`): project `DEMO`, two groups, four agents with
//! known passwords, conversation types, canned responses with themes and knowledge articles in
//! French and English.

use pupitre_protocol::agent::Role;

use crate::admin::{self, NewAgentRequest, NewCannedRequest};
use crate::store::{ProjectSettings, Store};

pub const PROJECT: &str = "DEMO";

/// `(name, e-mail, password, role, groups)`.
pub const AGENTS: &[(&str, &str, &str, Role, &[&str])] = &[
    (
        "Alice Martin",
        "alice@demo.pupitre.test",
        "alice-demo-1",
        Role::Agent,
        &["Sales", "Support"],
    ),
    (
        "Bruno Petit",
        "bruno@demo.pupitre.test",
        "bruno-demo-2",
        Role::Agent,
        &["Sales"],
    ),
    (
        "Chloé Durand",
        "chloe@demo.pupitre.test",
        "chloe-demo-3",
        Role::Manager,
        &["Support", "Sales"],
    ),
    (
        "Admin Pupitre",
        "admin@demo.pupitre.test",
        "admin-demo-4",
        Role::Admin,
        &["Support"],
    ),
];

const CANNED: &[(&str, &str, Option<&str>, &str, &str)] = &[
    // (language, theme, shortcut, title, body)
    (
        "en",
        "Greetings",
        Some("/hello"),
        "Hello",
        "Hello, I'm here to help. What can I do for you?",
    ),
    (
        "fr",
        "Accueil",
        Some("/bonjour"),
        "Bonjour",
        "Bonjour, je suis là pour vous aider. Que puis-je faire pour vous ?",
    ),
    (
        "en",
        "Waiting",
        Some("/moment"),
        "One moment",
        "One moment please, I'm looking up the information.",
    ),
    (
        "fr",
        "Attente",
        Some("/instant"),
        "Un instant",
        "Un instant s'il vous plaît, je recherche l'information.",
    ),
    (
        "en",
        "Orders",
        Some("/delivery"),
        "Delivery times",
        "Orders ship within 24 hours and arrive in 2 to 4 working days.",
    ),
    (
        "fr",
        "Commandes",
        Some("/livraison"),
        "Délais de livraison",
        "Les commandes partent sous 24 heures et arrivent en 2 à 4 jours ouvrés.",
    ),
    (
        "en",
        "Orders",
        Some("/returns"),
        "Returns",
        "You can return any item within 30 days from your account, under \"My orders\".",
    ),
    (
        "fr",
        "Commandes",
        Some("/retour"),
        "Retours",
        "Vous pouvez retourner un article sous 30 jours depuis votre compte, rubrique « Mes commandes ».",
    ),
    (
        "en",
        "Closing",
        Some("/bye"),
        "Goodbye",
        "Thank you for your visit, have a nice day!",
    ),
    (
        "fr",
        "Clôture",
        Some("/aurevoir"),
        "Au revoir",
        "Merci de votre visite, bonne journée !",
    ),
];

/// Knowledge articles (A8), for the desk's knowledge tab and assistant (D16):
/// `(language, title, tags, body)`.
const ARTICLES: &[(&str, &str, &[&str], &str)] = &[
    (
        "en",
        "Choosing a bulb for the Aurore lamp",
        &["lighting", "bulb"],
        "The Aurore lamp takes an E27 bulb of up to 60 W. We recommend a warm white LED \
         (2700 K, about 800 lumens): it lights a reading corner without glare. Dimmable bulbs \
         work with the Aurore's dimmer switch.",
    ),
    (
        "fr",
        "Choisir l'ampoule de la lampe Aurore",
        &["eclairage", "ampoule"],
        "La lampe Aurore accepte une ampoule E27 jusqu'à 60 W. Nous conseillons une LED blanc \
         chaud (2700 K, environ 800 lumens) : elle éclaire un coin lecture sans éblouir. Les \
         ampoules à variation fonctionnent avec le variateur de l'Aurore.",
    ),
    (
        "en",
        "Warranty",
        &["warranty", "after-sales"],
        "Every lamp carries a two-year warranty covering electrical faults. Ask the customer \
         for a photo of the fault and their order number; we ship a replacement part, or a new \
         lamp when the part cannot be changed at home.",
    ),
    (
        "fr",
        "Garantie",
        &["garantie", "sav"],
        "Chaque lampe est garantie deux ans contre les pannes électriques. Demandez au client \
         une photo de la panne et son numéro de commande ; nous envoyons une pièce de rechange, \
         ou une lampe neuve quand la pièce ne se change pas à la maison.",
    ),
    (
        "en",
        "Paying in instalments",
        &["payment"],
        "Orders over 150 euros can be paid in three instalments without fees: the customer \
         chooses it at checkout, after entering their card.",
    ),
    (
        "fr",
        "Payer en plusieurs fois",
        &["paiement"],
        "Les commandes de plus de 150 euros se paient en trois fois sans frais : le client le \
         choisit au paiement, après avoir saisi sa carte.",
    ),
];

/// Seeds the demo project unless it exists. Returns whether it seeded. `site`: the hub's own
/// origin, where the demo brand's pages are (`/demo`): the co-browsing site origin (A3), so the
/// desk shows the demo pages' images (on loopback, `localhost` too: either may be typed).
pub fn seed(store: &mut dyn Store, site: Option<&str>) -> anyhow::Result<bool> {
    if store.project_by_code(PROJECT)?.is_some() {
        return Ok(false);
    }
    let project = admin::create_project(store, PROJECT, "Maison Lumière")?;
    let mut settings = ProjectSettings {
        conversation_types: ["Sale", "Information", "After-sales", "Complaint", "Other"]
            .map(String::from)
            .to_vec(),
        ..ProjectSettings::default()
    };
    settings.routing.async_messaging = true;
    settings.routing.queue_per_agent = 2;
    settings.widget.color = "#b4532a".into();
    settings.cobrowse.site_origins = site.map(site_origins).unwrap_or_default();
    settings.widget.questionnaire = vec![crate::store::Question::Localized(
        [
            ("en", "Your order number, if you have one"),
            ("fr", "Votre numéro de commande, si vous en avez un"),
        ]
        .into_iter()
        .map(|(l, t)| (l.to_owned(), t.to_owned()))
        .collect(),
    )];
    admin::set_settings(store, project, &settings)?;
    admin::create_group(store, project, "Sales", None)?;
    admin::create_group(store, project, "Support", None)?;
    for (name, email, password, role, groups) in AGENTS {
        admin::create_agent(
            store,
            project,
            NewAgentRequest {
                email: (*email).into(),
                name: (*name).into(),
                password: (*password).into(),
                role: *role,
                slot_max: Some(3),
                groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            },
        )?;
    }
    for (language, theme, shortcut, title, body) in CANNED {
        admin::create_canned(
            store,
            project,
            None,
            NewCannedRequest {
                group: None,
                theme: (*theme).into(),
                title: (*title).into(),
                body: (*body).into(),
                shortcut: shortcut.map(String::from),
                language: (*language).into(),
            },
        )?;
    }
    let now = crate::clock::now_ms();
    for (language, title, tags, body) in ARTICLES {
        store.put_article(
            project,
            &admin::knowledge::Article {
                id: 0,
                title: (*title).into(),
                body: (*body).into(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                language: (*language).into(),
                updated_at: now,
            },
        )?;
    }
    Ok(true)
}

/// The demo's co-browsing site origins for the hub's origin: on loopback, `localhost` too.
fn site_origins(site: &str) -> Vec<String> {
    let mut out = vec![site.to_owned()];
    if let Some((scheme, port)) = site
        .split_once("://127.0.0.1")
        .filter(|(_, port)| port.is_empty() || port.starts_with(':'))
    {
        out.push(format!("{scheme}://localhost{port}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_site_is_the_hub_itself() {
        assert_eq!(
            super::site_origins("http://127.0.0.1:8460"),
            ["http://127.0.0.1:8460", "http://localhost:8460"]
        );
        assert_eq!(
            super::site_origins("https://127.0.0.1"),
            ["https://127.0.0.1", "https://localhost"]
        );
        assert_eq!(
            super::site_origins("https://127.0.0.12:1"),
            ["https://127.0.0.12:1"]
        );
        assert_eq!(
            super::site_origins("https://chat.example"),
            ["https://chat.example"]
        );
    }
}
