// Lists merged pull requests from the GitHub API, the host manifest.json declares in `permissions.network`.
export async function fetchMergedPrs(repo) {
  const response = await fetch("https://api.github.com/repos/" + repo + "/pulls?state=closed");
  return (await response.json()).filter((pr) => pr.merged_at);
}
