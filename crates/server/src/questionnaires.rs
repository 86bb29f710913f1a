//! The questionnaires an admin writes (SPEC A5): the one an agent fills in at the end of a
//! conversation, with the seed's four options, and the survey sent to the visitor, with
//! whether the agent may send it. Pure: the settings' shape and its rules; the desk and the
//! widget ask them (issue 12 builds the agent's side).

use std::collections::BTreeMap;

pub use pupitre_protocol::questionnaire::{
    Answer, AnswerLine, AnswerValue, Question, Questionnaire,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const MOST_QUESTIONNAIRES: usize = 20;
pub const MOST_QUESTIONS: usize = 30;
pub const MOST_CHOICES: usize = 20;
pub const MOST_TEXT_CHARS: usize = 300;
pub const MOST_ID_CHARS: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Questionnaires {
    /// Every questionnaire of the project.
    pub list: Vec<Questionnaire>,
    pub agent: AgentOptions,
    pub visitor: VisitorOptions,
}

/// The seed's "Questionnaire opérateur".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "AgentQuestionnaireOptions")]
#[serde(default)]
pub struct AgentOptions {
    /// The questionnaire the agent fills in at close (its id in `list`); none: no
    /// questionnaire.
    pub questionnaire: Option<String>,
    /// A "Complete questionnaire" button under the agent's composer.
    pub complete_button: bool,
    /// A "Cancel" button on the questionnaire.
    pub cancel_button: bool,
    /// The agent may close the questionnaire without answering.
    pub closable_without_answer: bool,
}

impl Default for AgentOptions {
    fn default() -> Self {
        Self {
            questionnaire: None,
            complete_button: true,
            cancel_button: true,
            closable_without_answer: true,
        }
    }
}

/// The seed's "Questionnaire utilisateur".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "VisitorSurveyOptions")]
#[serde(default)]
pub struct VisitorOptions {
    /// The survey sent at close (its id in `list`); none: the built-in satisfaction survey
    /// (a score from 1 to 5 and a comment), when `widget.survey` is on.
    pub questionnaire: Option<String>,
    /// The agent may send the survey themselves during the conversation.
    pub agent_may_send: bool,
}

impl Default for VisitorOptions {
    fn default() -> Self {
        Self {
            questionnaire: None,
            agent_may_send: true,
        }
    }
}

fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && id.len() <= MOST_ID_CHARS
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn text_problems(path: &str, text: &BTreeMap<String, String>, out: &mut Vec<(String, String)>) {
    if text.values().all(|t| t.trim().is_empty()) {
        out.push((path.to_owned(), "write it in at least one language".into()));
    }
    for (language, t) in text {
        if t.chars().count() > MOST_TEXT_CHARS
            || t.chars()
                .any(|c| c.is_control() || pupitre_protocol::text::is_format_control(c))
        {
            out.push((
                format!("{path}.{language}"),
                format!("one line of at most {MOST_TEXT_CHARS} characters"),
            ));
        }
    }
}

/// What is wrong, as `(path, reason)` under `questionnaires`.
pub fn problems(q: &Questionnaires) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if q.list.len() > MOST_QUESTIONNAIRES {
        out.push((
            "questionnaires.list".into(),
            format!("at most {MOST_QUESTIONNAIRES} questionnaires"),
        ));
    }
    for (i, questionnaire) in q.list.iter().enumerate() {
        let at = format!("questionnaires.list.{i}");
        if !is_id(&questionnaire.id) {
            out.push((
                format!("{at}.id"),
                format!("1 to {MOST_ID_CHARS} lowercase letters, digits, - or _, a letter first"),
            ));
        }
        if q.list[..i].iter().any(|o| o.id == questionnaire.id) {
            out.push((format!("{at}.id"), "two questionnaires have this id".into()));
        }
        let name = questionnaire.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            out.push((format!("{at}.name"), "a name of 1 to 100 characters".into()));
        }
        if questionnaire.questions.is_empty() || questionnaire.questions.len() > MOST_QUESTIONS {
            out.push((
                format!("{at}.questions"),
                format!("1 to {MOST_QUESTIONS} questions"),
            ));
        }
        for (j, question) in questionnaire.questions.iter().enumerate() {
            let at = format!("{at}.questions.{j}");
            if !is_id(&question.id) {
                out.push((
                    format!("{at}.id"),
                    format!(
                        "1 to {MOST_ID_CHARS} lowercase letters, digits, - or _, a letter first"
                    ),
                ));
            }
            if questionnaire.questions[..j]
                .iter()
                .any(|o| o.id == question.id)
            {
                out.push((format!("{at}.id"), "two questions have this id".into()));
            }
            text_problems(&format!("{at}.text"), &question.text, &mut out);
            match &question.answer {
                Answer::Rating { max } if !(3..=10).contains(max) => {
                    out.push((format!("{at}.answer.max"), "a scale of 3 to 10".into()));
                }
                Answer::Choice { choices, .. } => {
                    if !(2..=MOST_CHOICES).contains(&choices.len()) {
                        out.push((
                            format!("{at}.answer.choices"),
                            format!("2 to {MOST_CHOICES} choices"),
                        ));
                    }
                    for (k, choice) in choices.iter().enumerate() {
                        text_problems(&format!("{at}.answer.choices.{k}"), choice, &mut out);
                    }
                }
                _ => {}
            }
        }
    }
    for (path, chosen) in [
        ("questionnaires.agent.questionnaire", &q.agent.questionnaire),
        (
            "questionnaires.visitor.questionnaire",
            &q.visitor.questionnaire,
        ),
    ] {
        if let Some(id) = chosen
            && !q.list.iter().any(|x| &x.id == id)
        {
            out.push((path.into(), format!("no questionnaire {id:?} in the list")));
        }
    }
    out
}

/// The longest text answer, in characters.
pub const MOST_ANSWER_CHARS: usize = 2_000;

/// What a visitor answered to `questionnaire`, checked: each answer of the kind its question
/// wants (a known id, a score within the scale, existing choices, one unless `multiple`, one
/// line… of text), every required question answered. Gives the answers as readable lines in
/// `language` (the visitor's), in the questionnaire's order, and the satisfaction score the
/// statistics count: the first rating question's, brought to a scale of 5.
pub fn read_answers(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, AnswerValue>,
    language: Option<&str>,
) -> Result<(Vec<AnswerLine>, Option<u8>), (String, String)> {
    if let Some(id) = answers
        .keys()
        .find(|id| !questionnaire.questions.iter().any(|q| &q.id == *id))
    {
        return Err((format!("answers.{id}"), "no such question".into()));
    }
    let yes_no = |yes: bool| -> String {
        let fr = language.is_some_and(|l| l.to_ascii_lowercase().starts_with("fr"));
        match (yes, fr) {
            (true, true) => "Oui",
            (false, true) => "Non",
            (true, false) => "Yes",
            (false, false) => "No",
        }
        .to_owned()
    };
    let mut lines = Vec::new();
    let mut score = None;
    for q in &questionnaire.questions {
        let at = format!("answers.{}", q.id);
        let blank = |v: &&AnswerValue| match v {
            AnswerValue::Text(t) => t.trim().is_empty(),
            AnswerValue::Choices(c) => c.is_empty(),
            _ => false,
        };
        let Some(value) = answers.get(&q.id).filter(|v| !blank(v)) else {
            if q.required {
                return Err((at, "this question must be answered".into()));
            }
            continue;
        };
        let answer = match (&q.answer, value) {
            (Answer::Text, AnswerValue::Text(t)) => {
                let t = t.trim();
                if t.chars().count() > MOST_ANSWER_CHARS
                    || t.chars().any(|c| {
                        (c.is_control() && c != '\n')
                            || pupitre_protocol::text::is_format_control(c)
                    })
                {
                    return Err((
                        at,
                        format!("text of at most {MOST_ANSWER_CHARS} characters"),
                    ));
                }
                t.to_owned()
            }
            (Answer::YesNo, AnswerValue::YesNo(yes)) => yes_no(*yes),
            (Answer::Rating { max }, AnswerValue::Score(n)) => {
                if !(1..=*max).contains(n) {
                    return Err((at, format!("a score from 1 to {max}")));
                }
                if score.is_none() {
                    let scaled = (u16::from(*n) * 5).div_ceil(u16::from(*max)).clamp(1, 5);
                    score = Some(scaled as u8);
                }
                format!("{n}/{max}")
            }
            (Answer::Choice { choices, multiple }, AnswerValue::Choices(picked)) => {
                if picked.len() > 1 && !multiple {
                    return Err((at, "one choice".into()));
                }
                let mut seen = std::collections::BTreeSet::new();
                let mut texts = Vec::new();
                for &i in picked {
                    let Some(choice) = choices.get(usize::from(i)) else {
                        return Err((at, format!("no choice {i}")));
                    };
                    if seen.insert(i) {
                        texts.push(crate::store::in_language(choice, language));
                    }
                }
                texts.join(", ")
            }
            _ => return Err((at, "not the kind of answer this question wants".into())),
        };
        lines.push(AnswerLine {
            question: crate::store::in_language(&q.text, language),
            answer,
        });
    }
    Ok((lines, score))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(en: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("en".to_owned(), en.to_owned())])
    }

    fn after_sales() -> Questionnaire {
        Questionnaire {
            id: "after-sales".into(),
            name: "After sales".into(),
            questions: vec![
                Question {
                    id: "resolved".into(),
                    text: text("Resolved?"),
                    answer: Answer::YesNo,
                    required: true,
                },
                Question {
                    id: "reason".into(),
                    text: text("Reason"),
                    answer: Answer::Choice {
                        choices: vec![text("Delivery"), text("Refund")],
                        multiple: false,
                    },
                    required: false,
                },
            ],
        }
    }

    #[test]
    fn a5_a_questionnaire_chosen_for_agents_and_visitors_is_valid() {
        let q = Questionnaires {
            list: vec![after_sales()],
            agent: AgentOptions {
                questionnaire: Some("after-sales".into()),
                ..Default::default()
            },
            visitor: VisitorOptions {
                questionnaire: Some("after-sales".into()),
                agent_may_send: false,
            },
        };
        assert_eq!(problems(&q), vec![]);
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["list"][0]["questions"][1]["answer"]["kind"], "choice");
        assert_eq!(serde_json::from_value::<Questionnaires>(json).unwrap(), q);
    }

    #[test]
    fn a5_mistakes_are_named_by_their_path() {
        let mut bad = after_sales();
        bad.id = "After Sales".into();
        bad.questions[0].text = text("");
        bad.questions[1].answer = Answer::Choice {
            choices: vec![text("Only one")],
            multiple: true,
        };
        bad.questions.push(Question {
            id: "resolved".into(),
            text: text("Score"),
            answer: Answer::Rating { max: 50 },
            required: false,
        });
        let q = Questionnaires {
            list: vec![bad],
            agent: AgentOptions {
                questionnaire: Some("missing".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let paths: Vec<String> = problems(&q).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "questionnaires.list.0.id",
                "questionnaires.list.0.questions.0.text",
                "questionnaires.list.0.questions.1.answer.choices",
                "questionnaires.list.0.questions.2.id",
                "questionnaires.list.0.questions.2.answer.max",
                "questionnaires.agent.questionnaire",
            ]
        );
    }
}
