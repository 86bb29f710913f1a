//! P6: the desk's cache under load. Prints one line per figure with its goal:
//! history search over 100,000 messages (p99 ≤ 10 ms) and canned-response lookup over 10,000
//! responses (p99 ≤ 2 ms), with 200 knowledge articles cached beside them (the most a desk
//! keeps); the knowledge
//! tab's search (p99 ≤ 10 ms) and the assistant's answer over all three (p99 ≤ 100 ms, D16).
//! Run by `make bench`.

use std::time::Instant;

use pupitre_desk::assistant::answers;
use pupitre_desk::cache::Cache;
use pupitre_desk::door::KnowledgeArticle;
use pupitre_desk::knowledge_cache::question_query;
use pupitre_protocol::{Author, Body, ConversationRef, Message};

const MESSAGES: usize = 100_000;
const CANNED: usize = 10_000;
const LOOKUPS: usize = 2_000;
/// Knowledge articles cached: the most the hub hands a desk (`GET /api/knowledge` answers the
/// 200 newest); `P6_ARTICLES=0` measures the same without them (the before/after of D16).
const ARTICLES: usize = 200;

/// A deterministic word source (no randomness needed for a benchmark's corpus).
struct Words(u64);

const VOCABULARY: &[&str] = &[
    "order",
    "delivery",
    "parcel",
    "return",
    "refund",
    "invoice",
    "payment",
    "card",
    "account",
    "password",
    "size",
    "colour",
    "stock",
    "shipping",
    "tracking",
    "number",
    "address",
    "warranty",
    "headset",
    "broken",
    "commande",
    "livraison",
    "colis",
    "retour",
    "remboursement",
    "facture",
    "paiement",
    "compte",
    "taille",
    "couleur",
    "adresse",
    "garantie",
    "casque",
    "cassé",
    "bonjour",
    "merci",
    "hello",
    "thanks",
    "today",
    "week",
];

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        VOCABULARY[(self.0 >> 33) as usize % VOCABULARY.len()]
    }

    fn sentence(&mut self, n: usize) -> String {
        (0..n).map(|_| self.next()).collect::<Vec<_>>().join(" ")
    }
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| ms[((ms.len() as f64 * p) as usize).min(ms.len() - 1)];
    (at(0.50), at(0.99))
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut cache = Cache::open(&dir.path().join("bench.db")).expect("the cache opens");
    let mut words = Words(42);
    let account = "agent@bench|http://hub";
    let started = Instant::now();
    let messages: Vec<Message> = (0..MESSAGES)
        .map(|i| Message {
            id: i as i64 + 1,
            conversation: ConversationRef::new("DEMO", (i / 20) as i64 + 1),
            client_id: None,
            author: if i % 2 == 0 {
                Author::Visitor
            } else {
                Author::Agent {
                    id: 1,
                    name: "Alice".into(),
                }
            },
            body: Body::Text {
                text: words.sentence(12),
            },
            at: 1_800_000_000_000 + i as i64 * 1000,
        })
        .collect();
    cache
        .store_messages(account, messages.iter())
        .expect("messages stored");
    let canned: Vec<serde_json::Value> = (0..CANNED)
        .map(|i| {
            serde_json::json!({"shortcut": format!("/{}{i}", words.next()), "title": words.sentence(3),
                               "body": words.sentence(25), "theme": words.next()})
        })
        .collect();
    cache.set_canned(account, &canned).expect("canned stored");
    // D16: knowledge articles cached beside them (the figures above must not regress).
    let articles_cached = std::env::var("P6_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ARTICLES);
    let articles: Vec<KnowledgeArticle> = (0..articles_cached)
        .map(|i| KnowledgeArticle {
            id: i as i64 + 1,
            title: words.sentence(5),
            body: words.sentence(150),
            tags: vec![words.next().to_owned()],
            language: if i % 2 == 0 { "en" } else { "fr" }.into(),
            updated_at: i as i64,
        })
        .collect();
    cache
        .set_knowledge(account, &articles)
        .expect("articles stored");
    let setup = started.elapsed().as_secs_f64();

    let mut search = vec![];
    for i in 0..LOOKUPS {
        let query = match i % 3 {
            0 => words.next()[..3].to_owned(),
            1 => format!("{} {}", words.next(), &words.next()[..2]),
            _ => words.sentence(3),
        };
        let t = Instant::now();
        let hits = cache.search(account, &query).expect("search");
        search.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    let (p50, p99) = percentiles(search);
    let verdict = if p99 <= 10.0 { "met" } else { "NOT met" };
    println!(
        "P6 cache_search_ms p50={p50:.2} p99={p99:.2} (goal p99<=10) messages={MESSAGES} queries={LOOKUPS} [{verdict}]"
    );

    let mut lookup = vec![];
    for i in 0..LOOKUPS {
        let query = if i % 2 == 0 {
            words.next()[..2].to_owned()
        } else {
            words.sentence(2)
        };
        let t = Instant::now();
        let found = cache.search_canned(account, &query, 8).expect("lookup");
        lookup.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    let (p50, p99) = percentiles(lookup);
    let verdict = if p99 <= 2.0 { "met" } else { "NOT met" };
    println!(
        "P6 canned_lookup_ms p50={p50:.2} p99={p99:.2} (goal p99<=2) responses={CANNED} lookups={LOOKUPS} [{verdict}]"
    );

    let mut knowledge = vec![];
    for i in 0..LOOKUPS {
        let query = if i % 2 == 0 {
            words.next()[..3].to_owned()
        } else {
            words.sentence(2)
        };
        let t = Instant::now();
        let found = cache
            .search_knowledge(account, &query, None)
            .expect("knowledge search");
        knowledge.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    let (p50, p99) = percentiles(knowledge);
    let verdict = if p99 <= 10.0 { "met" } else { "NOT met" };
    println!(
        "P6 knowledge_search_ms p50={p50:.2} p99={p99:.2} (goal p99<=10) articles={articles_cached} queries={LOOKUPS} [{verdict}]"
    );

    let mut assistant = vec![];
    for _ in 0..LOOKUPS / 4 {
        let question = format!(
            "how do I get a {} for my {}?",
            words.sentence(2),
            words.next()
        );
        let query = question_query(&question).expect("words");
        let t = Instant::now();
        let found = answers(&cache, account, &query).expect("assistant");
        assistant.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    let (p50, p99) = percentiles(assistant);
    let verdict = if p99 <= 100.0 { "met" } else { "NOT met" };
    println!(
        "P6 assistant_answer_ms p50={p50:.2} p99={p99:.2} (goal p99<=100) articles={articles_cached} responses={CANNED} messages={MESSAGES} questions={} [{verdict}]",
        LOOKUPS / 4
    );
    println!(
        "   (setup {setup:.1} s: {MESSAGES} messages, {CANNED} canned responses and {articles_cached} articles written and indexed)"
    );
}
