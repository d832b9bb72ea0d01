# Installs an Aether robot as a Windows service with the built-in service control manager.
# Run as Administrator from the repository folder after `npm ci; npm run build`. Settings are machine
# environment variables (NATS_URL, ROBOT_ID, POOL, CHROMIUM_PATH, AETHER_SECRET_*).
param(
  [string]$Name = "AetherRobot",
  [string]$Root = (Get-Location).Path
)
$node = (Get-Command node).Source
# --max-semi-space-size: ADR 25.
$command = "`"$node`" --max-semi-space-size=32 --enable-source-maps `"$Root\dist\apps\robot\src\main.js`""
New-Service -Name $Name -BinaryPathName $command -DisplayName "Aether robot" -StartupType Automatic
sc.exe failure $Name reset= 60 actions= restart/2000/restart/2000/restart/2000
Start-Service $Name
