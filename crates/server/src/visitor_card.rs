//! The visitor card as the admin sets it (SPEC A7, D6): which fields an agent sees, the
//! custom ones the brand's site passes to the widget (`Pupitre.set({cart: "129,90 €"})`),
//! their order and their labels. Pure: the hub keeps every card whole; a desk gets
//! [`for_desk`] of it, so a field the admin hides never leaves the hub.

use std::collections::BTreeMap;

use pupitre_protocol::agent::{CardField, VisitorCard};
use pupitre_protocol::{MAX_CARD_FIELDS, MAX_CARD_VALUE_CHARS};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The fields every card has, by key: name, e-mail, current page (URL and title), language,
/// browser, and the waiting questionnaire's answers.
pub const BUILT_IN: [&str; 6] = [
    "name",
    "email",
    "page",
    "language",
    "browser",
    "questionnaire",
];

/// The longest custom key.
pub const MOST_KEY_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CardSettings {
    /// In the order the agent reads them, built-in and custom alike; a built-in field not
    /// listed (settings older than it) comes after, where the desk puts it. A custom key the
    /// site sends but that is not listed here is not shown.
    pub fields: Vec<CardFieldSetting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CardFieldSetting {
    /// A built-in key ([`BUILT_IN`]) or a custom one.
    pub key: String,
    /// The label per language (`{"en": "Cart", "fr": "Panier"}`); the desk names built-in
    /// fields itself where this has no label.
    #[serde(default)]
    pub label: BTreeMap<String, String>,
    #[serde(default = "shown")]
    pub shown: bool,
}

fn shown() -> bool {
    true
}

impl Default for CardSettings {
    fn default() -> Self {
        Self {
            fields: BUILT_IN
                .iter()
                .map(|k| CardFieldSetting {
                    key: (*k).to_owned(),
                    label: BTreeMap::new(),
                    shown: true,
                })
                .collect(),
        }
    }
}

impl CardSettings {
    fn shows(&self, key: &str) -> bool {
        // A built-in field missing from the list is shown (settings older than the field).
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or(BUILT_IN.contains(&key), |f| f.shown)
    }
}

/// Whether `key` can name a custom field: a lowercase letter, then letters, digits or `_`.
pub fn is_custom_key(key: &str) -> bool {
    if BUILT_IN.contains(&key) {
        return false;
    }
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && key.len() <= MOST_KEY_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with a custom field sent by a site, if anything.
pub fn check_custom(key: &str, value: &str) -> Result<(), String> {
    if !is_custom_key(key) {
        return Err(format!(
            "{key:?}: a field name is 1 to {MOST_KEY_CHARS} lowercase letters, digits or _, starting with a letter"
        ));
    }
    if value.chars().count() > MAX_CARD_VALUE_CHARS {
        return Err(format!(
            "{key}: a value has at most {MAX_CARD_VALUE_CHARS} characters"
        ));
    }
    if value.chars().any(|c| {
        c.is_control()
            || pupitre_protocol::text::is_format_control(c)
            || matches!(c, '\u{2028}' | '\u{2029}')
    }) {
        return Err(format!("{key}: a value is one line of text"));
    }
    Ok(())
}

/// `fields` merged into `custom`: an empty value removes its key. Refused whole, naming the
/// first problem, when a field is wrong or the card would hold more than
/// [`MAX_CARD_FIELDS`].
pub fn merge(
    custom: &BTreeMap<String, String>,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = custom.clone();
    for (key, value) in fields {
        check_custom(key, value)?;
        let value = value.trim();
        if value.is_empty() {
            out.remove(key);
        } else {
            out.insert(key.clone(), value.to_owned());
        }
    }
    if out.len() > MAX_CARD_FIELDS {
        return Err(format!(
            "a visitor card holds at most {MAX_CARD_FIELDS} custom fields"
        ));
    }
    Ok(out)
}

/// The label of a setting in `language`, English, any, or the key.
fn label(setting: &CardFieldSetting, language: &str) -> String {
    let label = crate::store::in_language(&setting.label, Some(language));
    if label.trim().is_empty() {
        setting.key.clone()
    } else {
        label
    }
}

/// The card as an agent's desk shows it: hidden built-in fields left out, the questionnaire's
/// answers if shown, then the custom fields the admin listed and shows, with their labels in
/// `language`; `order` says the admin's order of every shown line, built-in or custom, and
/// `names` the admin's names of built-in lines. Custom values themselves never go to a desk.
pub fn for_desk(card: &VisitorCard, settings: &CardSettings, language: &str) -> VisitorCard {
    let mut out = VisitorCard {
        id: card.id.clone(),
        ..Default::default()
    };
    if settings.shows("name") {
        out.name = card.name.clone();
    }
    if settings.shows("email") {
        out.email = card.email.clone();
    }
    if settings.shows("page") {
        out.page_url = card.page_url.clone();
        out.page_title = card.page_title.clone();
    }
    if settings.shows("language") {
        out.language = card.language.clone();
    }
    if settings.shows("browser") {
        out.user_agent = card.user_agent.clone();
    }
    if settings.shows("questionnaire") {
        out.fields = card.fields.clone();
    }
    for setting in settings.fields.iter().filter(|f| f.shown) {
        let labels: BTreeMap<String, String> = setting
            .label
            .iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(k, l)| (k.clone(), l.clone()))
            .collect();
        out.order.push(setting.key.clone());
        if BUILT_IN.contains(&setting.key.as_str()) {
            if !labels.is_empty() {
                out.names.insert(setting.key.clone(), labels);
            }
            continue;
        }
        if let Some(value) = card.custom.get(&setting.key) {
            out.fields.push(CardField {
                label: label(setting, language),
                value: value.clone(),
                key: Some(setting.key.clone()),
                labels,
            });
        }
    }
    out
}

/// What is wrong with the settings, as `(path, reason)` under `visitor_card.fields`.
pub fn problems(settings: &CardSettings) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if settings.fields.len() > MAX_CARD_FIELDS + BUILT_IN.len() {
        out.push((
            "visitor_card.fields".into(),
            format!("at most {} fields", MAX_CARD_FIELDS + BUILT_IN.len()),
        ));
    }
    for (i, f) in settings.fields.iter().enumerate() {
        let path = format!("visitor_card.fields.{i}");
        if !BUILT_IN.contains(&f.key.as_str()) && !is_custom_key(&f.key) {
            out.push((
                format!("{path}.key"),
                format!(
                    "a field name is 1 to {MOST_KEY_CHARS} lowercase letters, digits or _, starting with a letter"
                ),
            ));
        }
        if settings.fields[..i].iter().any(|o| o.key == f.key) {
            out.push((format!("{path}.key"), "this field is listed twice".into()));
        }
        for (lang, text) in &f.label {
            if text.chars().count() > 60 || text.chars().any(char::is_control) {
                out.push((
                    format!("{path}.label.{lang}"),
                    "a label is one line of at most 60 characters".into(),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> VisitorCard {
        VisitorCard {
            id: "v1".into(),
            name: Some("Ana".into()),
            email: Some("ana@example.com".into()),
            page_url: Some("https://shop.example/cart".into()),
            page_title: Some("Cart".into()),
            language: Some("fr".into()),
            user_agent: Some("Firefox".into()),
            fields: vec![CardField {
                label: "Order number?".into(),
                value: "42".into(),
                labels: Default::default(),
                key: None,
            }],
            custom: BTreeMap::from([
                ("cart".into(), "129,90 €".into()),
                ("loyalty".into(), "gold".into()),
                ("secret".into(), "not for agents".into()),
            ]),
            ..Default::default()
        }
    }

    fn custom(key: &str, en: &str, fr: &str) -> CardFieldSetting {
        CardFieldSetting {
            key: key.into(),
            label: BTreeMap::from([("en".into(), en.into()), ("fr".into(), fr.into())]),
            shown: true,
        }
    }

    #[test]
    fn a7_by_default_the_built_in_fields_show_and_no_custom_one() {
        let desk = for_desk(&card(), &CardSettings::default(), "en");
        assert_eq!(desk.name.as_deref(), Some("Ana"));
        assert_eq!(desk.fields.len(), 1, "the questionnaire's answer only");
        assert!(desk.custom.is_empty(), "custom values never reach a desk");
    }

    #[test]
    fn a7_custom_fields_follow_in_the_admins_order_with_their_labels() {
        let mut settings = CardSettings::default();
        settings
            .fields
            .push(custom("loyalty", "Loyalty", "Fidélité"));
        settings.fields.push(custom("cart", "Cart", "Panier"));
        let desk = for_desk(&card(), &settings, "fr");
        assert_eq!(
            desk.fields[2].labels["en"], "Cart",
            "each language goes to the desk"
        );
        let shown: Vec<(&str, &str)> = desk
            .fields
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Order number?", "42"),
                ("Fidélité", "gold"),
                ("Panier", "129,90 €")
            ]
        );
    }

    #[test]
    fn a7_built_in_and_custom_lines_keep_the_admins_order_and_names() {
        let mut settings = CardSettings::default();
        settings.fields.insert(0, custom("cart", "Cart", "Panier"));
        let email = settings
            .fields
            .iter()
            .position(|f| f.key == "email")
            .unwrap();
        let mut email = settings.fields.remove(email);
        email.label = BTreeMap::from([("fr".into(), "Courriel".into())]);
        settings.fields.push(email);
        settings.fields.retain(|f| f.key != "browser");
        let desk = for_desk(&card(), &settings, "fr");
        assert_eq!(
            desk.order,
            ["cart", "name", "page", "language", "questionnaire", "email"],
            "every shown line, in the admin's order"
        );
        assert_eq!(desk.names["email"]["fr"], "Courriel");
        assert!(
            !desk.names.contains_key("name"),
            "no name given: the desk's own"
        );
        assert_eq!(desk.fields[1].key.as_deref(), Some("cart"));
        assert_eq!(
            desk.fields[0].key, None,
            "the questionnaire's answers have no key"
        );
        assert_eq!(
            desk.user_agent.as_deref(),
            Some("Firefox"),
            "a built-in field missing from older settings still shows"
        );
    }

    #[test]
    fn a7_a_hidden_field_never_leaves_the_hub() {
        let mut settings = CardSettings::default();
        for f in &mut settings.fields {
            if f.key == "email" || f.key == "questionnaire" || f.key == "browser" {
                f.shown = false;
            }
        }
        let mut cart = custom("cart", "Cart", "Panier");
        cart.shown = false;
        settings.fields.push(cart);
        let desk = for_desk(&card(), &settings, "en");
        assert_eq!(desk.email, None);
        assert_eq!(desk.user_agent, None);
        assert!(desk.fields.is_empty());
        assert_eq!(desk.page_url.as_deref(), Some("https://shop.example/cart"));
    }

    #[test]
    fn a7_fields_from_a_site_are_checked_and_bounded() {
        let none = BTreeMap::new();
        let ok = BTreeMap::from([("cart".to_owned(), " 129,90 € ".to_owned())]);
        assert_eq!(merge(&none, &ok).unwrap()["cart"], "129,90 €");
        let removed = merge(
            &merge(&none, &ok).unwrap(),
            &BTreeMap::from([("cart".to_owned(), String::new())]),
        )
        .unwrap();
        assert!(removed.is_empty(), "an empty value removes the key");
        for (key, value) in [
            ("Cart", "x"),
            ("1cart", "x"),
            ("", "x"),
            ("cart", "two\nlines"),
            ("cart", "\u{202e}evil"),
            ("cart", "line\u{2028}separator"),
            ("name", "a built-in field's name"),
        ] {
            let bad = BTreeMap::from([(key.to_owned(), value.to_owned())]);
            assert!(merge(&none, &bad).is_err(), "{key:?} = {value:?}");
        }
        let long = BTreeMap::from([("cart".to_owned(), "x".repeat(MAX_CARD_VALUE_CHARS + 1))]);
        assert!(merge(&none, &long).is_err());
        let many: BTreeMap<String, String> = (0..=MAX_CARD_FIELDS)
            .map(|i| (format!("k{i}"), "v".to_owned()))
            .collect();
        assert!(merge(&none, &many).is_err());
    }

    #[test]
    fn a7_settings_are_checked_field_by_field() {
        let mut settings = CardSettings::default();
        settings.fields.push(custom("Cart", "Cart", "Panier"));
        settings.fields.push(custom("name", "", ""));
        let paths: Vec<String> = problems(&settings).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            ["visitor_card.fields.6.key", "visitor_card.fields.7.key"]
        );
    }
}
