# Installs codex-mcp on Windows from a release: downloads the windows-x64 archive, checks it
# against the release's SHA256SUMS, and puts codex-mcp.exe in ~\.local\bin (or PREFIX\bin).
#
#   irm https://github.com/codex-mcp/codex-mcp/releases/latest/download/install.ps1 | iex
#   powershell -File install.ps1 [-Version V] [-Prefix DIR] [-BaseUrl URL]
#
# -BaseUrl (or CODEX_MCP_INSTALL_BASE_URL) points at a mirror holding the files as
# URL/v<version>/<name>, and the newest version number in URL/latest/VERSION. Nothing is changed
# unless every step succeeds.
param(
  [string]$Version = "",
  [string]$Prefix = (Join-Path $HOME ".local"),
  [string]$BaseUrl = $env:CODEX_MCP_INSTALL_BASE_URL
)

$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue" # Invoke-WebRequest is many times slower with its progress bar
$Repo = "codex-mcp/codex-mcp"

function Fail([string]$Message) {
  Write-Error "codex-mcp install: $Message" -ErrorAction Continue
  exit 1
}

$arch = $env:PROCESSOR_ARCHITECTURE
if ($env:PROCESSOR_ARCHITEW6432) { $arch = $env:PROCESSOR_ARCHITEW6432 }
switch ($arch) {
  "AMD64" { $target = "windows-x64" }
  "ARM64" { $target = "windows-x64"; Write-Host "Windows on ARM: installing the x64 build, which runs emulated." }
  default { Fail "no release for this processor ($arch); releases are for x64" }
}

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("codex-mcp-" + [System.Guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
  if (-not $Version) {
    $latest = if ($BaseUrl) { "$BaseUrl/latest/VERSION" } else { "https://github.com/$Repo/releases/latest/download/VERSION" }
    try { $Version = (Invoke-WebRequest -UseBasicParsing -Uri $latest).Content.ToString().Trim() }
    catch { Fail "could not find the latest version ($latest); pass -Version V" }
  }
  $Version = $Version.TrimStart("v")
  if ($Version -notmatch '^[0-9A-Za-z.+-]+$') { Fail "not a version: '$Version'" }
  if (-not $BaseUrl) { $BaseUrl = "https://github.com/$Repo/releases/download" }

  $name = "codex-mcp-$Version-$target.zip"
  Write-Host "codex-mcp $Version for $target"
  $sums = Join-Path $tmp "SHA256SUMS"
  $archive = Join-Path $tmp $name
  try { Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/v$Version/SHA256SUMS" -OutFile $sums }
  catch { Fail "could not download $BaseUrl/v$Version/SHA256SUMS (is $Version a release?)" }
  try { Invoke-WebRequest -UseBasicParsing -Uri "$BaseUrl/v$Version/$name" -OutFile $archive }
  catch { Fail "could not download $BaseUrl/v$Version/$name" }

  $line = Get-Content $sums | Where-Object { ($_ -split '\s+')[1] -in @($name, "*$name") } | Select-Object -First 1
  if (-not $line) { Fail "SHA256SUMS has no line for $name" }
  $expected = ($line -split '\s+')[0].ToLowerInvariant()
  $actual = (Get-FileHash -Algorithm SHA256 -Path $archive).Hash.ToLowerInvariant()
  if ($expected -ne $actual) { Fail "checksum mismatch for $name (expected $expected, got $actual): nothing was installed" }

  $unpacked = Join-Path $tmp "unpacked"
  Expand-Archive -Path $archive -DestinationPath $unpacked
  $exe = Join-Path $unpacked "codex-mcp.exe"
  if (-not (Test-Path $exe)) { Fail "$name holds no codex-mcp.exe" }
  & $exe --version | Out-Null
  if ($LASTEXITCODE -ne 0) { Fail "the downloaded binary does not run on this machine" }

  $bin = Join-Path $Prefix "bin"
  New-Item -ItemType Directory -Force -Path $bin | Out-Null
  $partial = Join-Path $bin ".codex-mcp.partial.exe"
  Copy-Item $exe $partial -Force
  Move-Item $partial (Join-Path $bin "codex-mcp.exe") -Force

  $installed = Join-Path $bin "codex-mcp.exe"
  Write-Host "installed $(& $installed --version)"
  Write-Host "  at $installed"
  if (-not (($env:PATH -split ';') -contains $bin)) {
    Write-Host "  $bin is not on your PATH; add it, e.g.:"
    Write-Host "    [Environment]::SetEnvironmentVariable('PATH', `"$bin;`$env:PATH`", 'User')"
  }
  Write-Host ""
  Write-Host "Next: add it to your MCP client, e.g."
  Write-Host "  $installed install claude-code     (or claude-desktop, cursor, codex, vscode)"
  Write-Host "and check that Codex is ready:"
  Write-Host "  $installed doctor"
} finally {
  Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
}
