//! `pupitre bench`: the load generator (P1–P4).

#[derive(Debug, clap::Args)]
pub struct BenchArgs {}

pub async fn run(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the load generator is not written yet")
}
