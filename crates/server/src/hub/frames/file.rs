use crate::hub::*;

impl Project {
    /// Stores a file and its message; answers once durable (W4, D12).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::hub) fn add_file(
        &mut self,
        store: &mut dyn StoreRead,
        from: FileSender,
        conversation: &ConversationRef,
        name: String,
        mime: String,
        data: Vec<u8>,
        now: Millis,
    ) -> Result<Message, ErrorFrame> {
        let name: String = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        if name.is_empty() {
            return Err(invalid("the file has no name"));
        }
        if data.is_empty() {
            return Err(invalid("the file is empty"));
        }
        let mime = mime.trim().to_ascii_lowercase();
        let widget = &self.project.settings.widget;
        let (n, author) = match &from {
            FileSender::Agent(_) if !self.project.settings.desk.send_file => {
                return Err(option_off("sending a file"));
            }
            FileSender::Agent(agent) => {
                let n = self.own_conversation(*agent, conversation)?;
                if data.len() as u64 > MAX_AGENT_FILE_BYTES {
                    return Err(invalid(format!(
                        "the file is larger than {} MB",
                        MAX_AGENT_FILE_BYTES / 1024 / 1024
                    )));
                }
                let author = Author::Agent {
                    id: *agent,
                    name: self.agent_name(*agent),
                };
                (n, author)
            }
            FileSender::Visitor(visitor) => {
                let n = self.number(conversation)?;
                if self.visitors.get(visitor).and_then(|v| v.open) != Some(n) {
                    return Err(ErrorFrame::new(
                        ErrorCode::Forbidden,
                        format!("{conversation} is not your open conversation"),
                    ));
                }
                if data.len() as u64 > widget.max_file_bytes {
                    return Err(invalid(format!(
                        "the file is larger than {} KB",
                        widget.max_file_bytes / 1024
                    )));
                }
                if !widget.file_types.contains(&mime) {
                    return Err(invalid(format!("files of type {mime:?} are not accepted")));
                }
                let requested = self.messages_of(store, n).iter().any(|m| {
                    matches!(
                        m.message.body,
                        Body::Event {
                            event: ThreadEvent::FileRequested { .. }
                        }
                    )
                });
                if !requested {
                    return Err(ErrorFrame::new(
                        ErrorCode::Forbidden,
                        "no file was requested in this conversation",
                    ));
                }
                (n, Author::Visitor)
            }
        };
        let input = match &from {
            FileSender::Agent(agent) => Input::AgentMessage {
                conversation: n,
                agent: *agent,
            },
            FileSender::Visitor(_) => Input::VisitorMessage { conversation: n },
        };
        self.engine.handle(now, input).map_err(routing_error)?;
        let id = uuid::Uuid::now_v7().to_string();
        let info = FileInfo {
            id: id.clone(),
            name: name.clone(),
            size: data.len() as u64,
            mime: mime.clone(),
        };
        self.batch.files.push(FileRow {
            id,
            conversation: n,
            name,
            mime,
            data,
            at: now,
        });
        let body = Body::File { file: info };
        self.dirty_conversations.insert(n);
        let message = self.record_message(n, None, author, body, true, now);
        self.process_outputs(store, now);
        Ok(message)
    }
}
