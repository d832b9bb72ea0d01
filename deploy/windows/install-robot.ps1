# Installs an Aether robot as a Windows service through WinSW, which forwards a service stop to the
# robot as Ctrl+C (a graceful drain). Run as Administrator from the repository folder after
# `npm ci; npm run build`, with WinSW v3's executable downloaded to -WinSW. Settings are machine
# environment variables (NATS_URL, NODE_EXTRA_CA_CERTS, NATS_CREDS_FILE with ROBOT_ENROLMENT_TOKEN and
# AETHER_GATEWAY_URL, ROBOT_ID, ROBOT_TENANT, POOL, CHROMIUM_PATH, ROBOT_CREDENTIAL; docs/operations.md).
# The service runs dist\apps\robot\src\main.js (see aether-robot.xml).
param(
  [Parameter(Mandatory = $true)][string]$WinSW,
  [string]$Root = (Get-Location).Path
)
$ErrorActionPreference = 'Stop'
Copy-Item $WinSW (Join-Path $Root 'aether-robot.exe')
Copy-Item (Join-Path $PSScriptRoot 'aether-robot.xml') (Join-Path $Root 'aether-robot.xml')
& (Join-Path $Root 'aether-robot.exe') install
& (Join-Path $Root 'aether-robot.exe') start
